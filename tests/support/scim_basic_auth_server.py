"""scim2-server 0.8.3 (default RFC 7643 config, in-memory) behind HTTP Basic auth.

scim2-server's CLI only takes bearer tokens; the integration tests serve its WSGI
app through this script to exercise provisio's Basic auth against a real server.

Usage: python scim_basic_auth_server.py PORT USER PASSWORD
"""
import base64, hmac, logging, sys
from wsgiref.simple_server import make_server

from scim2_models import AuthenticationScheme, ScimProvider, UnauthorizedException
from scim2_server.applications.wsgi import WSGIApplication
from scim2_server.memory import InMemoryStorage
from scim2_server.testserver.cli import ThreadingWSGIServer
from scim2_server.utils import (load_default_resource_types, load_default_schemas,
                                load_default_service_provider_config)

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 18555
USER = sys.argv[2] if len(sys.argv) > 2 else "scim"
PASSWORD = sys.argv[3] if len(sys.argv) > 3 else "secret"
EXPECTED = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


class BasicAuthApplication(WSGIApplication):
    def check_auth(self, request):  # not called for /ServiceProviderConfig
        scheme, _, creds = (request.header("Authorization") or "").partition(" ")
        if scheme.lower() != "basic" or not hmac.compare_digest(creds.strip(), EXPECTED):
            raise UnauthorizedException  # -> 401 SCIM Error + WWW-Authenticate: Basic realm="SCIM"


logging.basicConfig(level=logging.INFO)  # like the CLI: client errors logged at INFO
config = load_default_service_provider_config()  # same defaults as the CLI
config.authentication_schemes = [AuthenticationScheme(
    type=AuthenticationScheme.Type.httpbasic, name="HTTP Basic", description="HTTP Basic")]
provider = ScimProvider.from_discovery(
    load_default_schemas().values(), load_default_resource_types().values(), config=config)
app = BasicAuthApplication(InMemoryStorage(), provider)

with make_server("127.0.0.1", PORT, app, server_class=ThreadingWSGIServer) as server:
    print(f"Serving SCIM on http://127.0.0.1:{PORT}/v2", flush=True)
    server.serve_forever()
