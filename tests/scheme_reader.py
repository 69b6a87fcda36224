"""A reader reached through a URI scheme, for testing open_source's scheme registry."""

from vesselscope.sources.image_folder import ImageFolderSource


class FolderByUri(ImageFolderSource):
    def __init__(self, uri: str) -> None:
        super().__init__(uri.split("://", 1)[1])
