"""Access-matrix rows of each area, merged into tests.access.MATRIX (one module per area keeps edits apart)."""
from tests.access_rows import assessment
from tests.access_rows import team
from tests.access_rows import member_messages
from tests.access_rows import credit_files
from tests.access_rows import stock_counts
from tests.access_rows import goods_back
from tests.access_rows import announcements, cases, catalog_io, complaints, flow, leftovers, profile, provider, returns, settlement

EXTRA_ROWS: dict = {**profile.ROWS, **catalog_io.ROWS, **flow.ROWS, **provider.ROWS, **returns.ROWS, **leftovers.ROWS,
               **settlement.ROWS, **complaints.ROWS, **announcements.ROWS, **cases.ROWS}
EXTRA_ROWS |= assessment.ROWS
EXTRA_ROWS |= team.ROWS
EXTRA_ROWS |= member_messages.ROWS
EXTRA_ROWS |= credit_files.ROWS
EXTRA_ROWS |= stock_counts.ROWS
EXTRA_ROWS |= goods_back.ROWS
