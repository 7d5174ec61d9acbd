"""The upload size is checked while the request is read, not after (issue 15.8).

Django stores a whole upload (in memory, then in a temporary file) before any view can look at its size,
so a 2 GB "PDF" filled the temporary directory before being refused. :class:`SizeLimitUploadHandler` runs
first among ``FILE_UPLOAD_HANDLERS``: past ``EVIDENCE_MAX_BYTES`` (the evidence form's limit, the largest
of the product's uploads) it passes no more of the file to the storing handlers and drops what they hold.
The rest of that file is read and thrown away, so the other fields still arrive and the page answers with
the usual Vietnamese message, keeping what the person typed. The request reaches the view with an
:class:`OversizedUpload` in its place: its ``size`` is the real size, so the views' existing check
(``upload.size > EVIDENCE_MAX_BYTES``) refuses it with "Tệp … lớn hơn giới hạn … MB.", and reading it
raises that refusal, so a view that reads it without checking refuses it too. Nothing is written.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

MB = 1024 * 1024


def too_large_message(name: str, limit: int) -> str:
    """The refusal the upload views show (same words as theirs)."""
    return f"Tệp “{name}” lớn hơn giới hạn {limit // MB} MB."


class OversizedUpload(UploadedFile):
    """Stands for a file refused while reading: its name and real size, no content."""

    too_large = True

    def __init__(self, name: str, content_type: str | None, size: int, limit: int):
        super().__init__(file=None, name=name, content_type=content_type, size=size)
        self.limit = limit

    def open(self, mode=None):
        raise ValidationError(too_large_message(self.name, self.limit))

    def read(self, *args, **kwargs):
        raise ValidationError(too_large_message(self.name, self.limit))

    def chunks(self, chunk_size=None):
        raise ValidationError(too_large_message(self.name, self.limit))

    def multiple_chunks(self, chunk_size=None):
        return False

    def close(self):
        pass


class SizeLimitUploadHandler(FileUploadHandler):
    """First of ``FILE_UPLOAD_HANDLERS``: counts each file's bytes as they arrive and stops storing it past
    the limit (see the module docstring)."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = settings.EVIDENCE_MAX_BYTES
        self.over = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.over = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if self.over:
            return None
        if start + len(raw_data) > self.limit:
            self.over = True
            self._drop_stored()
            return None
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.over:
            return OversizedUpload(self.file_name, self.content_type, file_size, self.limit)
        return None

    def _drop_stored(self) -> None:
        """Free what the storing handlers after this one hold of the file (its memory, its temporary file)."""
        for handler in self.request.upload_handlers if self.request is not None else ():
            if handler is not self and getattr(handler, "file", None) is not None:
                handler.file.close()
