"""Demo supervision and dialogue.

- **Nghệ An's 2023 programme** (seed 004): the Provincial Standing Committee meets the heads of
  the communes' party committees and governments on 3–4 August 2023 ("Đoàn kết – Dân chủ – Sáng
  tạo – Phát triển"); the proposals raised across the communes are assigned to the Organization
  Committee, the People's Committee's party affairs committee and departments (some answered on
  time, some late, some still open with reminders and escalations); the Mass Mobilization
  Committee monitors; the conclusion sets the six key tasks; the programme is published.
- **Letters in every demo province**: denunciations against members (handled by their cells),
  complaints (by the committee above), feedback through the web form, mixed letters; some not
  handled for a recorded reason, some concluded on time, some late, some overdue now.

Everything goes through the services (each write audited, senders encrypted). `build()` is
idempotent: a second run finds its marker in the audit trail and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any, TextIO

from django.db import transaction

from chibo.accounts.models import Role, RoleAssignment, User
from chibo.core.audit import audit_log
from chibo.core.models import AuditEvent
from chibo.core.paths import subtree_q
from chibo.core.validtime import today, valid_on_q
from chibo.members.models import Affiliation
from chibo.orgs import kinds as K
from chibo.orgs.models import Organization, OrgVersion
from chibo.rules.calendar import add_working_days
from chibo.supervision import services
from chibo.supervision.models import AgencyKind, Letter, LetterKind
from chibo.supervision.services import SenderData, TaskData

SEED = 20230803
MARKER = "supervision.demo_build"
NGHE_AN = "40"
HELD_FROM, HELD_TO = dt.date(2023, 8, 3), dt.date(2023, 8, 4)
CONCLUDED = dt.date(2023, 8, 29)
PROPOSALS = 40
DEMO_USERS = {  # noqa: S105 (demo passwords, printed by `chibo demo`)
    "na-massmob": ("chibo-na-massmob-demo", "mass_mobilization_staff", "Nghệ An: Mass Mobilization Committee"),
    "na-inspector": ("chibo-na-inspector-demo", "inspection_staff", "Nghệ An: Inspection Committee (two-step)"),
}

AGENCIES = [
    ("Ban Tổ chức Tỉnh ủy", AgencyKind.ORGANIZATION),
    ("Ban Cán sự đảng UBND tỉnh", AgencyKind.PEOPLES_COMMITTEE),
    ("Ban Dân vận Tỉnh ủy", AgencyKind.MASS_MOBILIZATION),
    ("Ban Tuyên giáo Tỉnh ủy", AgencyKind.PROPAGANDA),
    ("Sở Nông nghiệp và Phát triển nông thôn", AgencyKind.DEPARTMENT),
    ("Sở Giao thông vận tải", AgencyKind.DEPARTMENT),
    ("Sở Tài chính", AgencyKind.DEPARTMENT),
]
# topic, field, the agency (index in AGENCIES)
TOPICS = [
    ("Bố trí, sắp xếp cán bộ cấp xã sau sáp nhập", "Tổ chức, cán bộ", 0),
    ("Chế độ phụ cấp cho bí thư chi bộ thôn, bản", "Tổ chức, cán bộ", 0),
    ("Thí điểm tăng cường cán bộ sở, ngành về xã", "Tổ chức, cán bộ", 0),
    ("Cải cách hành chính trong Đảng, ứng dụng phần mềm", "Cải cách hành chính", 0),
    ("Đào tạo lý luận chính trị cho cán bộ cơ sở", "Tổ chức, cán bộ", 0),
    ("Kinh phí xây dựng nông thôn mới", "Nông thôn mới", 1),
    ("Giải phóng mặt bằng các dự án giao thông", "Đất đai", 1),
    ("Nhà ở cho hộ nghèo giai đoạn 2023–2025", "Giảm nghèo", 1),
    ("Sắp xếp đơn vị hành chính cấp xã", "Tổ chức bộ máy", 1),
    ("Cấp giấy chứng nhận quyền sử dụng đất", "Đất đai", 1),
    ("Sửa chữa đường liên xã xuống cấp", "Giao thông", 5),
    ("Cầu dân sinh vùng lũ", "Giao thông", 5),
    ("Hỗ trợ sản phẩm OCOP", "Nông nghiệp", 4),
    ("Nước sạch cho vùng cao", "Nông nghiệp", 4),
    ("Chuyển đổi cơ cấu cây trồng", "Nông nghiệp", 4),
    ("Phân bổ ngân sách cho xã khó khăn", "Tài chính", 6),
    ("Đối thoại với nhân dân về dự án", "Dân vận", 2),
    ("Tuyên truyền Nghị quyết 39-NQ/TW", "Tuyên giáo", 3),
]
KEY_TASKS = [
    ("Tổ chức sơ kết giữa nhiệm kỳ thực hiện nghị quyết đại hội đảng các cấp", 0),
    ("Thực hiện nghiêm quy chế làm việc, nguyên tắc tập trung dân chủ, trách nhiệm người đứng đầu; "
     "đẩy mạnh chuyển đổi số, cải cách hành chính, dân chủ ở cơ sở; xây dựng phương án sắp xếp đơn vị "
     "hành chính", 0),
    ("Huy động nguồn lực giảm nghèo, xây dựng nông thôn mới, OCOP, nhà ở cho hộ nghèo 2023–2025", 1),
    ("Tăng cường đối thoại với nhân dân; giải quyết hoặc chuyển cấp có thẩm quyền các kiến nghị chính đáng", 2),
    ("Nhân rộng các mô hình hiệu quả, đẩy mạnh phong trào thi đua yêu nước", 3),
    ("Giữ nghiêm kỷ luật, kỷ cương; cán bộ chủ chốt gương mẫu", 0),
]
LETTER_TEXTS = [
    "Phản ánh bí thư chi bộ thôn lạm quyền trong việc xét hộ nghèo",
    "Tố cáo đảng viên vi phạm quy định về đất đai",
    "Khiếu nại quyết định kỷ luật khiển trách",
    "Kiến nghị công khai các khoản đóng góp của thôn",
    "Phản ánh việc chậm giải quyết hồ sơ tại xã",
    "Tố cáo cán bộ thôn nhận tiền hỗ trợ sai đối tượng",
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng"]
GIVEN = ["An", "Bình", "Cúc", "Dung", "Hạnh", "Khoa", "Lâm", "Mai", "Nga", "Quý"]


def _say(stdout: Any, msg: str) -> None:
    if stdout is not None:
        stdout.write(msg + "\n")


def _sender(rng: random.Random) -> SenderData:
    name = f"{rng.choice(FAMILY)} Thị {rng.choice(GIVEN)}"
    return SenderData(name, f"Thôn {rng.randint(1, 12)}", f"09{rng.randint(10000000, 99999999)}")


def build(stdout: TextIO | Any = None, *, on: dt.date | None = None) -> dict[str, Any]:
    """Build the demo once (see the module's docstring); returns what it wrote."""
    if AuditEvent.objects.filter(action=MARKER).exists():
        _say(stdout, "supervision: demo letters and programmes already present")
        return {"built": False}
    on = on or today()
    rng = random.Random(SEED)  # noqa: S311 (demo data, not secrets)
    with transaction.atomic():
        programme = _nghe_an(rng, stdout)
        letters = _letters(rng, on, stdout)
        users = _users()
        audit_log(actor=None, action=MARKER, target_type="supervision.letter",
                  after={"letters": letters, "programme": getattr(programme, "pk", None)})
    for username, (password, _role, label) in DEMO_USERS.items():
        if username in users:
            _say(stdout, f"             {username} / {password}   ({label})")
    return {"built": True, "letters": letters, "programme": getattr(programme, "pk", None)}


def _users() -> list[str]:
    org = Organization.objects.filter(code=NGHE_AN).first()
    if org is None:
        return []
    made = []
    for username, (password, role_key, _label) in DEMO_USERS.items():
        user, created = User.objects.get_or_create(username=username, defaults={"full_name": username})
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        RoleAssignment.objects.get_or_create(user=user, role=Role.objects.get(key=role_key), org=org,
                                             defaults={"valid_from": dt.date(2020, 1, 1)})
        made.append(username)
    return made


def _communes(root: Organization, on: dt.date) -> list[Organization]:
    v = root.version_on(on)
    if v is None:
        return []
    ids = (OrgVersion.objects.filter(subtree_q(v.path, include_self=False)).filter(valid_on_q(on))
           .filter(kind__key__in=(K.GRASSROOTS_COMMITTEE, K.COMMUNE_LEVEL))
           .filter(name__regex=r"^Đảng bộ (xã|phường|thị trấn)").order_by("path").values_list("org_id", flat=True))
    return list(Organization.objects.filter(pk__in=list(ids)).order_by("code"))


def _nghe_an(rng: random.Random, stdout: TextIO | None) -> Any:
    root = Organization.objects.filter(code=NGHE_AN).first()
    if root is None or root.version_on(HELD_FROM) is None:
        _say(stdout, "supervision: no Nghệ An (40) in 2023; no dialogue programme")
        return None
    agencies = [services.agency_create(actor=None, org=root, name=n, kind=k) for n, k in AGENCIES]
    programme = services.programme_create(
        actor=None, org=root, title="Gặp mặt, đối thoại giữa Ban Thường vụ Tỉnh ủy với bí thư, chủ tịch UBND "
        "các xã, phường, thị trấn năm 2023", theme="Đoàn kết – Dân chủ – Sáng tạo – Phát triển",
        hosts="Ban Thường vụ Tỉnh ủy Nghệ An", audience="Bí thư đảng ủy, chủ tịch UBND các xã, phường, thị trấn",
        starts_on=HELD_FROM, ends_on=HELD_TO, monitor=agencies[2], public=True,
    )
    communes = _communes(root, HELD_FROM) or [root]
    for i in range(PROPOSALS):
        topic, field, a = TOPICS[i % len(TOPICS)]
        commune = communes[rng.randrange(len(communes))]
        cv = commune.version_on(HELD_FROM)
        p = services.proposal_raise(
            actor=None, programme=programme, topic=topic, field=field, agency=agencies[a], commune=commune,
            raised_by=f"Bí thư {cv.name.replace('Đảng bộ ', '') if cv else ''}".strip(), assigned_on=CONCLUDED,
            content=f"{topic} tại {cv.name if cv else commune.code}.",
        )
        roll = rng.random()
        if roll < 0.6:  # on time
            answered = add_working_days(CONCLUDED, rng.randint(5, 29))
            services.proposal_answer(actor=None, proposal=p, on=min(answered, p.due_on), answer=_answer(topic))
        elif roll < 0.85:  # late, after a reminder
            services.proposal_remind(actor=None, proposal=p, on=add_working_days(CONCLUDED, 20),
                                     note="Ban Dân vận đôn đốc trả lời")
            services.proposal_answer(actor=None, proposal=p, on=add_working_days(p.due_on, rng.randint(3, 40)),
                                     answer=_answer(topic))
        else:  # still open: urged, then escalated
            services.proposal_remind(actor=None, proposal=p, on=add_working_days(CONCLUDED, 20),
                                     note="Ban Dân vận đôn đốc trả lời")
            services.proposal_remind(actor=None, proposal=p, on=add_working_days(p.due_on, 10), escalate=True,
                                     note="Báo cáo Thường trực Tỉnh ủy")
    conclusion = services.conclusion_issue(
        actor=None, programme=programme, number="KL-ĐT-2023 (demo)", issued_on=CONCLUDED,
        text="Kết luận của Ban Thường vụ Tỉnh ủy sau chương trình gặp mặt, đối thoại năm 2023.",
        tasks=[TaskData(title, agencies[a], dt.date(2023, 12, 31)) for title, a in KEY_TASKS],
    )
    for t in list(conclusion.tasks.order_by("position"))[:4]:
        services.key_task_complete(actor=None, task=t, done_on=dt.date(2023, 12, 15))
    _say(stdout, f"supervision: Nghệ An's 2023 dialogue programme with {PROPOSALS} proposals from "
                 f"{len(communes)} communes, 6 key tasks")
    return programme


def _answer(topic: str) -> str:
    return f"Đã xem xét và trả lời kiến nghị: {topic.lower()}; giao các cơ quan liên quan thực hiện."


def _cells_with_members(root_path: str, on: dt.date, rng: random.Random, n: int) -> list[tuple[Organization, int]]:
    cells = list(
        OrgVersion.objects.filter(subtree_q(root_path)).filter(valid_on_q(on)).filter(kind__is_cell=True)
        .exclude(kind__key=K.PARTY_GROUP).order_by("path").values_list("org_id", flat=True)[:4000]
    )
    rng.shuffle(cells)
    out: list[tuple[Organization, int]] = []
    for org_id in cells:
        member_id = (Affiliation.objects.filter(org_id=org_id).filter(valid_on_q(on))
                     .values_list("member_id", flat=True).first())
        if member_id is not None:
            out.append((Organization.objects.get(pk=org_id), member_id))
        if len(out) >= n:
            break
    return out


def _letters(rng: random.Random, on: dt.date, stdout: TextIO | None) -> int:
    from chibo.members.models import Member

    roots = list(OrgVersion.objects.filter(parent__isnull=True, kind__key=K.PROVINCIAL).filter(valid_on_q(on))
                 .select_related("org").order_by("org__code"))
    made = 0
    for root in roots:
        pairs = _cells_with_members(root.path, on, rng, 12)
        if not pairs:
            continue
        n0 = made
        year = on.year
        for i, (cell, member_id) in enumerate(pairs):
            member = Member.objects.get(pk=member_id)
            kind = [LetterKind.DENUNCIATION, LetterKind.DENUNCIATION, LetterKind.COMPLAINT, LetterKind.FEEDBACK,
                    LetterKind.MIXED, LetterKind.DENUNCIATION][i % 6]
            plan = ["overdue", "not_handled", "on_time", "late", "open", "not_handled", "on_time", "overdue",
                    "late", "on_time", "not_handled", "open"][i % 12]
            received = {
                "on_time": dt.date(year - 1, 3, 2) + dt.timedelta(days=7 * i),
                "late": dt.date(year - 1, 2, 2) + dt.timedelta(days=3 * i),
                "overdue": dt.date(year, 1, 5) + dt.timedelta(days=2 * i),
                "not_handled": dt.date(year, 2, 2) + dt.timedelta(days=i),
                "open": on - dt.timedelta(days=20 + i),
            }[plan]
            reason = ["anonymous", "repeat", "vague", "withdrawn", "no_address", "false_name"][(i + made) % 6]
            sender = SenderData() if plan == "not_handled" and reason == "anonymous" else _sender(rng)
            if plan == "not_handled" and reason == "no_address":
                sender = SenderData(sender.name, "", sender.contact)
            letter = services.letter_receive(
                actor=None, kind=kind, channel=("post", "hand", "web")[i % 3], received_by=cell,
                received_on=received, summary=LETTER_TEXTS[i % len(LETTER_TEXTS)],
                subject_member=member if kind != LetterKind.FEEDBACK else None,
                handler=cell if kind == LetterKind.FEEDBACK else None, sender=sender,
            )
            made += 1
            if plan == "not_handled":
                services.letter_not_handle(actor=None, letter=letter, reason=reason, on=received,
                                           note="Theo quy định, đơn không đủ điều kiện xem xét")
                continue
            _walk(letter, plan, received)
        _say(stdout, f"supervision: {made - n0} letters in {root.name}")
    return made


def _walk(letter: Letter, plan: str, received: dt.date) -> None:
    start = received
    letter = services.letter_accept(actor=None, letter=letter, on=start)
    if letter.deadline is None:
        return
    letter = services.letter_assign(actor=None, letter=letter, note="Tổ kiểm tra xác minh", on=start)
    letter = services.letter_verify(actor=None, letter=letter, on=add_working_days(start, 5))
    if plan in ("overdue", "open"):
        return
    assert letter.deadline is not None
    if plan == "on_time":
        done = add_working_days(start, 60)
    else:  # late: extended once with the sender told, still concluded after the extended deadline
        letter = services.letter_extend(actor=None, letter=letter, days=30, reason="Cần xác minh thêm",
                                        notice_on=add_working_days(start, 80))
        done = add_working_days(letter.extended_until or letter.deadline or start, 10)
    if done >= today():
        return
    letter = services.letter_conclude(actor=None, letter=letter, on=done,
                                      conclusion="Nội dung đơn đúng một phần; chi bộ nhắc nhở, kiểm điểm.")
    notice = add_working_days(done, 5)
    if notice < today():
        services.letter_notify(actor=None, letter=letter, on=notice)
