"""How the cadres' recorded changes read in the history (chibo.core.history)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from chibo.core.history import register_actions


def register() -> None:
    register_actions({
        "post.assign": gettext_lazy("Post taken up"),
        "post.end": gettext_lazy("Post ended"),
        "post.void": gettext_lazy("Post voided (it never ran)"),
        "concurrent_role.add": gettext_lazy("Concurrent role recorded"),
        "cadre_fact.record": gettext_lazy("Cadre fact recorded"),
        "rotation.record": gettext_lazy("Rotation recorded"),
        "succession.add": gettext_lazy("Succession plan recorded"),
        "qualification.record": gettext_lazy("Qualification recorded"),
        "course.create": gettext_lazy("Training course created"),
        "enrolment.record": gettext_lazy("Enrolment recorded"),
        "enrolment.result": gettext_lazy("Training result recorded"),
        "contest.create": gettext_lazy("Contest created"),
        "contest.enter": gettext_lazy("Contest entrant recorded"),
        "contest.score": gettext_lazy("Contest score recorded"),
        "contest.award": gettext_lazy("Contest award recorded"),
        "watch.assign": gettext_lazy("Unit assigned to a watcher"),
        "watch.end": gettext_lazy("Watch ended"),
        "secondment.record": gettext_lazy("Secondment recorded"),
        "cadres.demo_build": gettext_lazy("Demo cadre records written"),
    })
