"""The desktop viewer (PyQt6): thin widgets bound to a plain state, detection in a worker thread.

    state.py         ViewerState: what is shown; widgets observe it
    controller.py    user intents -> worker commands; worker reports -> state
    worker.py        DetectionWorker (QThread) running a Session (session.py, no Qt), which
                     consumes a recording (recording_player.py) or a stream (stream_player.py)
    image_view.py    the image in millimetres, overlays, ruler, HUD, calipers, annotation tool
    main_window.py   the window assembled; app.py: run_viewer, what `vesselscope view` runs

The only package that imports Qt (DESIGN.md); the core never imports it.
"""
