"""Flask extensions, created once here and bound to the app in create_app().

Creating them at import time without an app (and calling init_app later) is
what lets tests build many independent apps from one codebase.
"""

from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
jwt = JWTManager()
cors = CORS()
# No default limits: only the login route is limited (see auth.py).
# wrap_exceptions: a store that is down (Redis) raises limits' StorageError,
# which errors.py turns into a 503: login fails closed, never unthrottled.
limiter = Limiter(key_func=get_remote_address, storage_options={"wrap_exceptions": True})
