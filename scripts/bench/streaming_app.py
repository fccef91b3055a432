"""An app that answers every GET of a user with ANSWER_BYTES of JSON, streamed
in chunks without a Content-Length: what a runaway or hostile app sends.
Usage: streaming_app.py PORT ANSWER_BYTES"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, size = int(sys.argv[1]), int(sys.argv[2])
CHUNK = b"a" * (256 * 1024)
FRAME = b"%x\r\n" % len(CHUNK) + CHUNK + b"\r\n"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path == "/health":
            self.send_response(204)
            self.end_headers()
            return
        user = self.path.rsplit("/", 1)[-1]
        self.send_response(200)
        self.send_header("Content-Type", "application/scim+json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        start = b'{"id": "%s", "userName": "%s", "padding": "' % (user.encode(), user.encode())
        try:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(start), start))
            for _ in range(size // len(CHUNK)):
                self.wfile.write(FRAME)
            self.wfile.write(b'2\r\n"}\r\n0\r\n\r\n')
        except (BrokenPipeError, ConnectionResetError):
            pass  # provisio stopped reading: the point
        self.close_connection = True

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    request_queue_size = 1024
    daemon_threads = True


Server(("127.0.0.1", port), Handler).serve_forever()
