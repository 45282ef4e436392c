"""Persistence: SQLAlchemy models, engine/session, upserts. Same schema on SQLite and PostgreSQL."""

# Every table module joins Base.metadata when the package is imported (migrations compare against it).
from robnu.db import claims_models as claims_models
from robnu.db import dispatch_models as dispatch_models
from robnu.db import key_models as key_models
from robnu.db import models as models
from robnu.db import money_models as money_models
from robnu.db import processing_models as processing_models
from robnu.db import stock_models as stock_models
from robnu.db import storage_models as storage_models
from robnu.db import tenancy_models as tenancy_models
from robnu.db import web_models as web_models
