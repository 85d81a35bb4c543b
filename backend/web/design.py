"""Det Fælles Designsystem (the `dkfds` npm package): its CSS, fonts and icons under /design/dkfds/.

`make design-deps` installs the locked version into `design/node_modules` (design/package-lock.json);
the files are served from there, never copied into the repository. The inbox pages and the citizen's
pages link `/design/dkfds/css/dkfds.min.css`; the stylesheet finds its fonts and icons by relative
paths (`../fonts/`, `../img/`), which this one route keeps intact.
"""

from __future__ import annotations

import logging

from sanic import Blueprint

from backend.config import REPO_ROOT

logger = logging.getLogger(__name__)

DIST = REPO_ROOT / "design" / "node_modules" / "dkfds" / "dist"
STYLESHEET = "/design/dkfds/css/dkfds.min.css"

bp = Blueprint("design")
if DIST.is_dir():
    for part in ("css", "fonts", "img"):
        bp.static(f"/design/dkfds/{part}", str(DIST / part), name=f"dkfds_{part}")
else:
    logger.error("dkfds is not installed under %s: pages are unstyled (run `make design-deps`)", DIST)
