"""The dashboard: flagged posts per day per category, queue by state, top sites and
actors, analyst throughput, precision per category, police feedback; charts as SVG."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, Field

from cluewatch.taxonomy import CATEGORIES, CATEGORY_NAMES_ZH
from index.models import OPEN_STATES, Actor, Aggregations, ClueState, DayCount
from review_app.access import render
from review_app.auth import DASHBOARD_ROLES, Session
from review_app.charts import PALETTE, Bar, bar_chart, stacked_columns
from review_app.deps import Access, services
from review_app.labels import FEEDBACK_NAMES_ZH, STATE_NAMES_ZH

router = APIRouter()
PERIODS = (7, 30, 90)
TOP = 10


class Dashboard(BaseModel):
    since: datetime = Field(description="Start of the period (UTC midnight); figures since then.")
    queue: dict[str, int] = Field(description="Clues per state now (whole register).")
    aggregations: Aggregations
    top_actors: list[Actor]


def check_days(days: int) -> None:
    """Only the periods the page offers, on the page as in the API (422 otherwise)."""
    if days not in PERIODS:
        raise HTTPException(
            status_code=422,
            detail=f"统计天数（days）只能是 {'、'.join(map(str, PERIODS))}，收到 {days}",
        )


def dashboard_data(request: Request, days: int) -> Dashboard:
    store = services(request).store
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - timedelta(days=days - 1)
    return Dashboard(
        since=since,
        queue={state.value: n for state, n in store.count_by_state().items()},
        aggregations=store.aggregations(since=since),
        top_actors=store.actors(limit=TOP),
    )


def _days(since: datetime, count: int) -> list[str]:
    return [(since + timedelta(days=i)).strftime("%Y-%m-%d") for i in range(count)]


def _per_day(
    rows: Sequence[DayCount], days: list[str], names: dict[str, str]
) -> list[tuple[str, list[int]]]:
    """Series for a stacked chart: one per key, a count per day (zero when absent)."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        counts[row.key][row.day] = row.count
    ordered = sorted(counts, key=lambda k: (-sum(counts[k].values()), k))
    return [(names.get(k, k), [counts[k].get(d, 0) for d in days]) for k in ordered]


def charts(data: Dashboard, days: int) -> dict[str, Markup]:
    """Every chart of the dashboard, by name."""
    agg = data.aggregations
    day_list = _days(data.since, days)
    queue_states = [*OPEN_STATES, ClueState.CONFIRMED, ClueState.TRANSFERRED, ClueState.FEEDBACK,
                    ClueState.DISMISSED]  # fmt: skip
    sites = sorted(agg.per_site.items(), key=lambda kv: (-kv[1]["flagged"], -kv[1]["posts"], kv[0]))
    precision_bars = []
    for category in CATEGORIES:
        judged = agg.verdicts_per_category.get(category, {})
        confirmed, dismissed = judged.get("confirmed", 0), judged.get("dismissed", 0)
        if confirmed + dismissed:
            share = confirmed / (confirmed + dismissed)
            precision_bars.append(
                Bar(CATEGORY_NAMES_ZH[category], share,
                    f"{share:.0%}（{confirmed}/{confirmed + dismissed}）")
            )  # fmt: skip
    return {
        "flagged": stacked_columns(
            day_list, _per_day(agg.flagged_per_day, day_list, CATEGORY_NAMES_ZH),
            title="每日新增标记帖子（按类别）",
        ),
        "queue": bar_chart(
            [Bar(STATE_NAMES_ZH[s.value], data.queue.get(s.value, 0)) for s in queue_states],
            title="各状态线索数", color=PALETTE[3],
        ),
        "sites": bar_chart(
            [Bar(site, c["flagged"], f"{c['flagged']} / {c['posts']}") for site, c in sites[:TOP]],
            title="标记帖子最多的站点", color=PALETTE[1],
        ),
        "actors": bar_chart(
            [Bar(_actor_label(a), a.flagged_posts, href=f"/actors/{a.id}") for a in data.top_actors],
            title="标记帖子最多的涉案人员", color=PALETTE[4],
        ),
        "throughput": stacked_columns(
            day_list, _per_day(agg.throughput, day_list, {}), title="研判员每日研判数"
        ),
        "precision": bar_chart(
            precision_bars, title="各类别准确率（确认 / 已研判）", max_value=1.0, color=PALETTE[2]
        ),
        "feedback": bar_chart(
            [Bar(FEEDBACK_NAMES_ZH.get(k, k), n) for k, n in agg.feedback.items()],
            title="公安处置反馈", color=PALETTE[5],
        ),
    }  # fmt: skip


def _actor_label(actor: Actor) -> str:
    return actor.contacts[0].partition(":")[2] if actor.contacts else actor.id[:12]


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(
    request: Request,
    session: Annotated[Session, Depends(Access(DASHBOARD_ROLES, page=True))],
    days: Annotated[int, Query(description="Period in days: 7, 30 or 90.")] = 30,
) -> Response:
    check_days(days)
    data = dashboard_data(request, days)
    flagged = sum(row.count for row in data.aggregations.flagged_per_day)
    verdicts = sum(row.count for row in data.aggregations.throughput)
    open_clues = sum(data.queue.get(s.value, 0) for s in OPEN_STATES)
    context = {
        "days": days,
        "periods": PERIODS,
        "since": data.since,
        "charts": charts(data, days),
        "totals": {"新增标记": flagged, "研判": verdicts, "待研判": open_clues},
    }
    return render(request, "dashboard.html", session, context)


@router.get("/api/dashboard", tags=["api"])
def dashboard_api(
    request: Request,
    session: Annotated[Session, Depends(Access(DASHBOARD_ROLES))],
    days: Annotated[int, Query(description="Period in days: 7, 30 or 90.")] = 30,
) -> Dashboard:
    """The dashboard's figures: the period's aggregations, the queue now, the top actors."""
    check_days(days)
    return dashboard_data(request, days)
