"""Enumerations of the member record. Keys are stable (used in the API, exports and counts)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Status(models.TextChoices):
    """A member's status on a date (glossary keys)."""

    PROBATIONARY = "probationary_member", _("Probationary member")
    OFFICIAL = "official_member", _("Official member")
    EXEMPT = "exempt_from_activities", _("Exempt from party work and activities")
    REMOVED = "removed_from_list", _("Removed from the party roll")
    EXPELLED = "expelled", _("Expelled")
    WITHDRAWN = "withdrawn", _("Withdrew from the party")
    DECEASED = "deceased", _("Deceased")


IN_PARTY = (Status.PROBATIONARY, Status.OFFICIAL, Status.EXEMPT)
LEFT = (Status.REMOVED, Status.EXPELLED, Status.WITHDRAWN, Status.DECEASED)


class EventType(models.TextChoices):
    ADMITTED = "admitted", _("Admitted (probationary)")
    READMITTED = "readmitted", _("Readmitted (probationary)")
    RECOGNIZED = "recognized_official", _("Recognised as official member")
    EXEMPTED = "exempted", _("Exempted from work and activities")
    EXEMPTION_ENDED = "exemption_ended", _("Exemption ended")
    REMOVED = "removed_from_list", _("Removed from the party roll")
    EXPELLED = "expelled", _("Expelled")
    WITHDRAWN = "withdrawn", _("Allowed to withdraw")
    DECEASED = "deceased", _("Deceased")
    RESTORED = "restored", _("Membership restored")


class Occupation(models.TextChoices):
    AGENCY = "agency", _("Agency")
    PUBLIC_SERVICE_UNIT = "public_service_unit", _("Public service unit")
    STATE_ENTERPRISE = "state_enterprise", _("State enterprise")
    PRIVATE_ENTERPRISE = "private_enterprise", _("Private enterprise")
    STUDENT = "student", _("Student")
    FARMER = "farmer", _("Farmer")
    ARMED_FORCES = "armed_forces", _("Armed forces")
    POLICE = "police", _("Police")
    RETIRED = "retired", _("Retired")
    OTHER = "other", _("Other")


class Religion(models.TextChoices):
    NONE = "none", _("None")
    BUDDHISM = "buddhism", _("Buddhism")
    CATHOLICISM = "catholicism", _("Catholicism")
    PROTESTANTISM = "protestantism", _("Protestantism")
    CAODAISM = "caodaism", _("Cao Đài")
    HOA_HAO = "hoa_hao", _("Hòa Hảo Buddhism")
    ISLAM = "islam", _("Islam")
    OTHER = "other", _("Other religion")


class GeneralEducation(models.TextChoices):
    PRIMARY = "primary", _("Primary")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary")


class ProfessionalLevel(models.TextChoices):
    NONE = "none", _("None")
    VOCATIONAL = "vocational", _("Vocational")
    COLLEGE = "college", _("College")
    UNIVERSITY = "university_degree", _("University degree")
    MASTER = "master_degree", _("Master's degree")
    DOCTORATE = "doctoral_degree", _("Doctoral degree")


class TheoryLevel(models.TextChoices):
    NONE = "none", _("None")
    ELEMENTARY = "elementary_political_theory", _("Elementary political theory")
    INTERMEDIATE = "intermediate_political_theory", _("Intermediate political theory")
    ADVANCED = "advanced_political_theory", _("Advanced political theory")


class AffiliationKind(models.TextChoices):
    OFFICIAL = "official", _("Official activity")
    TEMPORARY = "temporary", _("Temporary activity")


# The 54 ethnic groups of Vietnam, in the General Statistics Office's order (code = position).
ETHNIC_GROUPS: list[str] = [
    "Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng", "Mông", "Dao", "Gia Rai", "Ngái",
    "Ê Đê", "Ba Na", "Xơ Đăng", "Sán Chay", "Cơ Ho", "Chăm", "Sán Dìu", "Hrê", "Mnông", "Raglay",
    "Xtiêng", "Bru Vân Kiều", "Thổ", "Giáy", "Cơ Tu", "Gié Triêng", "Mạ", "Khơ Mú", "Co", "Tà Ôi",
    "Chơ Ro", "Kháng", "Xinh Mun", "Hà Nhì", "Chu Ru", "Lào", "La Chí", "La Ha", "Phù Lá", "La Hủ",
    "Lự", "Lô Lô", "Chứt", "Mảng", "Pà Thẻn", "Cơ Lao", "Cống", "Bố Y", "Si La", "Pu Péo", "Brâu",
    "Ơ Đu", "Rơ Măm",
]
ETHNICITY_CHOICES = [(f"{i:02d}", name) for i, name in enumerate(ETHNIC_GROUPS, start=1)]
KINH = "01"
