import logging
import mimetypes
import os

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

_logger = logging.getLogger(__name__)


class CallRecording(http.Controller):
    @http.route(
        "/cc_telephony/call/<int:call_id>/recording",
        type="http",
        auth="user",
        readonly=True,
    )
    def recording(self, call_id, download=False):
        """Streams a call's recording to someone who may read the call: never a
        public URL, never cached by a proxy. Each listening is logged (PDPL:
        who accessed personal data)."""
        call = request.env["cc.call"].browse(call_id)
        try:
            call.check_access("read")
            call.read(["id"])
        except (AccessError, MissingError):
            raise request.not_found() from None
        path = call._cc_recording_file()
        if not path:
            raise request.not_found()
        _logger.info(
            "User %s opened the recording of call %s", request.env.uid, call.id
        )
        stat = os.stat(path)
        stream = http.Stream(
            type="path",
            path=path,
            mimetype=mimetypes.guess_type(path)[0] or "application/octet-stream",
            download_name=os.path.basename(path),
            etag=f"{int(stat.st_mtime)}-{stat.st_size}",
            last_modified=stat.st_mtime,
            size=stat.st_size,
            public=False,
        )
        response = stream.get_response(as_attachment=bool(download))
        response.headers["Cache-Control"] = "private, no-store"
        return response
