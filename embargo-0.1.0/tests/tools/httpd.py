#!/usr/bin/env python3
"""
httpd.py: serve a directory on 127.0.0.1 for tests, on a free port.

  httpd.py DIR PORTFILE [CUTFILE]

Writes the port to PORTFILE once listening.  A request for CUTFILE gets
a Content-Length of the whole file but only half the bytes, then the
connection closes: an interrupted download.  Loopback only.
"""
import functools
import http.server
import os
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    cut = None

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.cut and self.path.lstrip("/") == self.cut:
            data = open(os.path.join(self.directory, self.cut), "rb").read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


def main():
    Handler.cut = sys.argv[3] if len(sys.argv) > 3 else None
    handler = functools.partial(Handler, directory=sys.argv[1])
    srv = http.server.HTTPServer(("127.0.0.1", 0), handler)
    with open(sys.argv[2] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(sys.argv[2] + ".tmp", sys.argv[2])
    srv.serve_forever()


main()
