"""How committees write column names and values: the tables the import reads them with.

Everything is compared through `compact()`: case-, diacritic- and spacing-insensitive, with the
punctuation of spellings removed ("H'Mông", "Hmông", "HMONG" and "h mông" are the same key).

Sources:

- Column names: the headings of the member registers committees keep (mẫu 1-HSĐV, the member
  list of HD 11-HD/BTCTW reports, and the usual spreadsheet copies of them), in Vietnamese.
- Ethnic groups: the 54 groups and their other names from the General Statistics Office's list
  "Danh mục các dân tộc Việt Nam" (Quyết định 121-TCTK/PPCĐ, 2 March 1979, still used by the
  censuses), plus the usual spelling variants (apostrophes, hyphens, joined syllables,
  international spellings). A name listed for two groups there (e.g. "Thổ", "Hoa", "Trại",
  "Xá Khao", "Xá Lá Vàng") is left out: the group's own name must be written.
- General education: written "grade/system". The 12-year system (from 1981 everywhere; the South
  before 1975): primary grades 1-5, lower secondary 6-9, upper secondary 10-12. The old 10-year
  system of the North (1956-1981): level I grades 1-4, level II 5-7, level III 8-10. The level
  recorded is the highest level completed; a level started but not finished counts as the one
  below it (11/12 completed lower secondary).
"""

from __future__ import annotations

import re

from chibo.core.text import fold

from ..choices import ETHNIC_GROUPS, GeneralEducation

_NOT_ALNUM = re.compile(r"[^\w/]|_")


def compact(text: str) -> str:
    """The comparison key: folded, and only letters (of any script), digits and "/" kept."""
    return _NOT_ALNUM.sub("", fold(text).replace("\u02bc", "").replace("’", ""))


# --- column names ---------------------------------------------------------------------------------

HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "full_name": ("Họ và tên", "Họ tên", "Họ và tên khai sinh", "Họ và tên đảng viên", "Tên đảng viên",
                  "Name", "Full name", "Họ và tên (khai sinh)"),
    "gender": ("Giới tính", "Giới", "Nam/Nữ", "Nam, nữ", "Sex"),
    "birth_date": ("Ngày sinh", "Ngày tháng năm sinh", "Ngày, tháng, năm sinh", "Sinh ngày", "Date of birth",
                   "Birth date", "Birthdate", "DOB"),
    "ethnicity": ("Dân tộc", "Ethnic group", "Ethnic"),
    "religion": ("Tôn giáo", "Đạo"),
    "national_id": ("Số CCCD", "CCCD", "Số căn cước", "Căn cước", "Số căn cước công dân", "Căn cước công dân",
                    "Số định danh", "Số định danh cá nhân", "Mã định danh", "Số CMND/CCCD", "CMND/CCCD", "Số CMND",
                    "CMND", "Số chứng minh nhân dân", "Identity number", "ID number", "National ID",
                    "Citizen ID"),
    "phone": ("Số điện thoại", "Điện thoại", "SĐT", "ĐT", "Di động", "Số di động", "Điện thoại di động",
              "Phone number", "Mobile"),
    "general_education": ("Giáo dục phổ thông", "Trình độ giáo dục phổ thông", "GDPT", "Trình độ văn hóa",
                          "Văn hóa", "Trình độ học vấn", "Học vấn", "General education", "Education"),
    "professional_level": ("Trình độ chuyên môn", "Chuyên môn", "Chuyên môn nghiệp vụ",
                           "Trình độ chuyên môn nghiệp vụ", "Trình độ chuyên môn, nghiệp vụ", "Bằng cấp",
                           "Professional qualification"),
    "theory_level": ("Lý luận chính trị", "Trình độ lý luận chính trị", "LLCT", "Trình độ LLCT", "Lý luận",
                     "Political theory"),
    "occupation": ("Nghề nghiệp", "Nghề nghiệp hiện nay", "Nghề nghiệp, chức vụ", "Ngành nghề", "Lĩnh vực",
                   "Occupation"),
    "cell": ("Chi bộ", "Mã chi bộ", "Chi bộ sinh hoạt", "Mã đơn vị", "Cell", "Party cell"),
    "admission_decision_no": ("Số quyết định kết nạp", "Số QĐ kết nạp", "Quyết định kết nạp số",
                              "Quyết định kết nạp", "Số quyết định"),
    "admission_decision_date": ("Ngày quyết định kết nạp", "Ngày QĐ kết nạp", "Ngày ký quyết định kết nạp",
                                "Ngày quyết định"),
    "ceremony_date": ("Ngày kết nạp", "Ngày kết nạp (lễ kết nạp)", "Ngày lễ kết nạp", "Ngày vào Đảng",
                      "Ngày kết nạp Đảng", "Ngày kết nạp vào Đảng", "Ngày tổ chức lễ kết nạp", "Admission date"),
    "official_date": ("Ngày chính thức", "Ngày công nhận chính thức", "Ngày chuyển chính thức",
                      "Ngày công nhận đảng viên chính thức", "Ngày được công nhận đảng viên chính thức",
                      "Đảng viên chính thức từ", "Official date"),
    "card_number": ("Số thẻ đảng", "Số thẻ Đảng viên", "Số thẻ", "Thẻ đảng số", "Card number", "Party card"),
    "card_date": ("Ngày cấp thẻ", "Ngày cấp thẻ đảng", "Ngày phát thẻ", "Ngày phát thẻ đảng", "Card date"),
    "status": ("Trạng thái", "Tình trạng", "Trạng thái đảng viên", "Tình trạng đảng viên", "Status"),
}

_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def header_keys(text: str) -> list[str]:
    """The comparison keys of a heading: whole, then without a trailing "*" and without any
    parenthesised note ("Ngày kết nạp (lễ kết nạp)" also reads as "Ngày kết nạp")."""
    text = text.strip().rstrip("*: ").strip()
    keys = [compact(text)]
    bare = _PARENTHESES.sub(" ", text).strip()
    if bare and bare != text:
        keys.append(compact(bare))
    return [k for k in keys if k]


# --- ethnic groups (GSO 121-TCTK/PPCĐ, 1979) -------------------------------------------------------

ETHNIC_OTHER_NAMES: dict[str, tuple[str, ...]] = {
    "Kinh": ("Việt", "Người Kinh"),
    "Tày": ("Ngạn", "Phén", "Thù Lao", "Pa Dí"),
    "Thái": ("Tày Đăm", "Tày Khao", "Tày Mười", "Tày Thanh", "Tày Mường", "Pu Thay", "Thổ Đà Bắc", "Thai"),
    "Mường": ("Mol", "Mual", "Mọi Bi", "Ao Tá", "Ậu Tá", "Muong"),
    "Khmer": ("Khơ Me", "Khơ-me", "Khmer Krom", "Cur", "Cul", "Việt gốc Miên", "Miên", "Khơ-mer"),
    "Hoa": ("Hán", "Triều Châu", "Phúc Kiến", "Quảng Đông", "Hải Nam", "Xạ Phạng"),
    "Nùng": ("Xuồng", "Giang", "Nùng An", "Phàn Sinh", "Nùng Cháo", "Nùng Lòi", "Quý Rim", "Khèn Lài", "Nung"),
    "Mông": ("H'Mông", "Hmông", "H’Mông", "Hmong", "H'mong", "Mèo", "Mèo Xanh", "Mèo Đỏ", "Mèo Đen", "Ná Mẻo",
             "Mán Trắng", "Mông Hoa", "Mông Đen", "Mông Trắng", "Mông Xanh", "Mông Đỏ"),
    "Dao": ("Mán", "Động", "Xá", "Dìu Miên", "Kiềm Miền", "Quần Trắng", "Dao Đỏ", "Quần Chẹt", "Lô Giang",
            "Dao Tiền", "Thanh Y", "Lan Tẻn", "Đại Bản", "Tiểu Bản", "Cóc Ngáng", "Cóc Mùn", "Sơn Đầu", "Yao"),
    "Gia Rai": ("Giơ Rai", "Tơ Buăn", "Chơ Rai", "Hơ Bau", "Hđrung", "Chor", "Jarai", "Jrai", "Gia-rai"),
    "Ngái": ("Xín", "Lê", "Đản", "Khách Gia"),
    "Ê Đê": ("Ê-đê", "Êđê", "Ra Đê", "Đê", "Kpạ", "A Đham", "Krung", "Ktul", "Đliê Ruê", "Blô", "Epan", "Mđhur",
             "Bih", "Rhade", "Ede"),
    "Ba Na": ("Ba-na", "Bana", "Bahnar", "Gơ Lar", "Tơ Lô", "Giơ Lâng", "Y Lăng", "Rơ Ngao", "Krem", "Roh",
              "Con Kđe", "A La Công", "Kpăng Công", "Bơ Nâm"),
    "Xơ Đăng": ("Xơ-đăng", "Xê Đăng", "Sedang", "Xơ Teng", "Hđang", "Tơ Đra", "Mơ Nâm", "Ha Lăng", "Ca Dong",
                "Kmrâng", "Con Lan", "Bri La", "Tang"),
    "Sán Chay": ("Cao Lan", "Sán Chỉ", "Cao Lan - Sán Chỉ", "Mán Cao Lan", "Hờn Bạn", "Sán Chí"),
    "Cơ Ho": ("Cơ-ho", "Kơ Ho", "K'Ho", "Koho", "Xrê", "Nốp", "Tu Lốp", "Cơ Don", "Lát", "Lạch", "Trinh"),
    "Chăm": ("Chàm", "Chiêm Thành", "Hroi", "Cham", "Chăm Hroi"),
    "Sán Dìu": ("Sán Dẻo", "Trại Đất", "Mán Quần Cộc"),
    "Hrê": ("H'rê", "Hre", "Chăm Rê", "Chom", "Krẹ Lũy"),
    "Mnông": ("M'Nông", "Mơ Nông", "Pnông", "Nông", "Pré", "Bu Đâng", "Đi Pri", "Biat", "Gar", "Rơ Lam"),
    "Raglay": ("Ra Glai", "Ra-glai", "Roglai", "Ra Clây", "Rai", "Noang", "La Oang"),
    "Xtiêng": ("X'Tiêng", "Xa Điêng", "Stiêng", "Stieng"),
    "Bru Vân Kiều": ("Bru - Vân Kiều", "Bru", "Vân Kiều", "Măng Coong", "Tri Khùa"),
    "Thổ": ("Kẹo", "Mọn", "Cuối", "Họ", "Đan Lai", "Ly Hà", "Tày Pọng", "Con Kha"),
    "Giáy": ("Nhắng", "Dẩng", "Pầu Thìn Nu Nà", "Cùi Chu", "Dáy"),
    "Cơ Tu": ("Cơ-tu", "Ca Tu", "Katu", "Ka Tu", "Phương"),
    "Gié Triêng": ("Giẻ Triêng", "Gié-Triêng", "Giẻ-Triêng", "Đgiéh", "Tareb", "Giang Rẫy Pin", "Triêng", "Treng",
                   "Ta Riêng", "Ve", "Veh", "La Ve", "Giẻ"),
    "Mạ": ("Châu Mạ", "Mạ Ngăn", "Mạ Xóp", "Mạ Tô", "Mạ Krung"),
    "Khơ Mú": ("Khơ-mú", "Khmu", "Kmhmu", "Xá Cẩu", "Mứn Xen", "Pu Thênh", "Tềnh", "Tày Hay"),
    "Co": ("Cor", "Col", "Cùa", "Trầu"),
    "Tà Ôi": ("Tà-ôi", "Ta Oi", "Tôi Ôi", "Pa Co", "Pa Cô", "Pa Hy", "Ba Hi", "Pa Kô"),
    "Chơ Ro": ("Chơ-ro", "Dơ Ro", "Châu Ro", "Chro"),
    "Kháng": ("Xá Súa", "Xá Dón", "Xá Dẩng", "Xá Hốc", "Xá Ái", "Xá Bung", "Quảng Lâm"),
    "Xinh Mun": ("Xinh-mun", "Puộc", "Pụa"),
    "Hà Nhì": ("U Ni", "Xá U Ni", "Hani", "Hà Nhì Già"),
    "Chu Ru": ("Chu-ru", "Chơ Ru", "Chu"),
    "Lào": ("Lào Bốc", "Lào Nọi"),
    "La Chí": ("Cù Tê", "La Quả"),
    "La Ha": ("Khlá Phlạo",),
    "Phù Lá": ("Bồ Khô Pạ", "Mu Di", "Pạ Xá", "Phó", "Phổ", "Va Xơ"),
    "La Hủ": ("Pu Đang", "Khù Xung", "Cò Xung", "Khả Quy"),
    "Lự": ("Lừ", "Nhuồn", "Duồn"),
    "Lô Lô": ("Mun Di",),
    "Chứt": ("Sách", "Mày", "Rục", "Mã Liêng", "A Rem", "Tu Vang", "Pa Leng", "Xơ Lang", "Tơ Hung", "Chà Củi",
             "Tắc Củi", "U Mo"),
    "Mảng": ("Mảng Ư",),
    "Pà Thẻn": ("Pà Hưng", "Tống"),
    "Cơ Lao": (),
    "Cống": ("Xắm Khống", "Mấng Nhé", "Xá Xeng"),
    "Bố Y": ("Chủng Chá", "Trọng Gia", "Tu Di", "Tu Dìn"),
    "Si La": ("Cù Dề Xừ", "Khả Pẻ"),
    "Pu Péo": ("Ka Pèo", "Pen Ti Lô Lô"),
    "Brâu": ("Brao",),
    "Ơ Đu": ("Tày Hạt",),
    "Rơ Măm": (),
}
assert list(ETHNIC_OTHER_NAMES) == ETHNIC_GROUPS  # noqa: S101 (the table covers the 54 groups, in order)


def ethnic_lookup() -> dict[str, str]:
    """compact(name) -> two-digit code, for every group's name and other names. Raises when a
    spelling would name two groups."""
    lookup: dict[str, str] = {}
    for number, (name, others) in enumerate(ETHNIC_OTHER_NAMES.items(), start=1):
        code = f"{number:02d}"
        for spelling in (name, *others):
            key = compact(spelling)
            if lookup.get(key, code) != code:
                raise AssertionError(f"{spelling!r} names two ethnic groups")
            lookup[key] = code
        lookup[str(number)] = code
        lookup[code] = code
    return lookup


# --- general education -----------------------------------------------------------------------------

# system (years) -> (last grade of primary, last grade of lower secondary)
EDUCATION_SYSTEMS: dict[int, tuple[int, int]] = {12: (5, 9), 10: (4, 7)}
_GRADE = re.compile(r"(?:lop)?(\d{1,2})/(\d{1,2})(?:.*)")


def education_from_grade(text: str) -> str | None:
    """"11/12" -> lower secondary, "10/10" -> upper secondary, "5/10" -> primary; None when the
    text is not grade/system or names a grade the system does not have."""
    m = _GRADE.fullmatch(compact(text))
    if m is None:
        return None
    grade, system = int(m[1]), int(m[2])
    if system not in EDUCATION_SYSTEMS or not 1 <= grade <= system:
        return None
    _primary_end, lower_end = EDUCATION_SYSTEMS[system]
    if grade >= system:
        return str(GeneralEducation.UPPER_SECONDARY)
    if grade >= lower_end:
        return str(GeneralEducation.LOWER_SECONDARY)
    return str(GeneralEducation.PRIMARY)
