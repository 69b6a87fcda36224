"""vesselscope-train: training for VesselScope's models, on the runtime's public contracts only.

`vesselscope-train vessel-data` harvests labelled candidate crops; `vesselscope-train vessel`
cross-validates, trains and exports the ONNX vessel classifier with its model card.
"""

__version__ = "0.1.0"
