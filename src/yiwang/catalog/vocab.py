"""The exchange format's words and the values they stand for (README of the catalogue)."""

from yiwang.identity.models import OrgLevel

from .models import Audience, ItemType, MaterialSource, Necessity, ResultType

THEMES_PERSON = [
    "生育收养",
    "户籍办理",
    "证件办理",
    "教育科研",
    "就业创业",
    "婚姻登记",
    "社会保障",
    "医疗卫生",
    "住房保障",
    "残疾人",
    "养老服务",
    "社会救助",
    "退役军人",
    "法律服务",
    "交通出行",
    "文化体育",
    "死亡殡葬",
]
THEMES_ENTERPRISE = [
    "设立变更",
    "准营准办",
    "资质认证",
    "税收财务",
    "工程建设",
    "环保绿化",
    "人力资源",
    "文化旅游",
    "安全生产",
    "交通运输",
    "城市管理",
    "注销退出",
]

# The themes are not in the exchange file: their English names live here, beside them.
THEME_NAMES_EN = {
    "生育收养": "Childbirth and adoption",
    "户籍办理": "Household registration",
    "证件办理": "Identity documents",
    "教育科研": "Education and research",
    "就业创业": "Employment and entrepreneurship",
    "婚姻登记": "Marriage registration",
    "社会保障": "Social security",
    "医疗卫生": "Health care",
    "住房保障": "Housing security",
    "残疾人": "Persons with disabilities",
    "养老服务": "Elderly care",
    "社会救助": "Social assistance",
    "退役军人": "Veterans",
    "法律服务": "Legal services",
    "交通出行": "Transport",
    "文化体育": "Culture and sports",
    "死亡殡葬": "Death and funerals",
    "设立变更": "Establishment and changes",
    "准营准办": "Operating permits",
    "资质认证": "Qualifications and certification",
    "税收财务": "Tax and finance",
    "工程建设": "Construction projects",
    "环保绿化": "Environment and greening",
    "人力资源": "Human resources",
    "文化旅游": "Culture and tourism",
    "安全生产": "Work safety",
    "交通运输": "Transport services",
    "城市管理": "Urban management",
    "注销退出": "Deregistration and exit",
}

LEVELS = {"区级": OrgLevel.DISTRICT, "街道级": OrgLevel.STREET, "社区级": OrgLevel.COMMUNITY}
LEVEL_WORDS = {v: k for k, v in LEVELS.items()}
AUDIENCES = {"自然人": Audience.PERSON, "法人": Audience.ENTERPRISE, "自然人;法人": Audience.BOTH}
AUDIENCE_WORDS = {v: k for k, v in AUDIENCES.items()}
ITEM_TYPES = {t.value for t in ItemType}
RESULT_TYPES = {t.value for t in ResultType}
MATERIAL_KINDS = {"原件", "复印件", "原件和复印件"}
MEDIA = {"纸质", "电子", "纸质和电子"}
SOURCES = {s.value for s in MaterialSource}
NECESSITIES = {
    "必要": Necessity.REQUIRED,
    "非必要": Necessity.OPTIONAL,
    "容缺后补": Necessity.TOLERATED,
}
NECESSITY_WORDS = {v: k for k, v in NECESSITIES.items()}
STEP_ROLES = {"前台受理员", "审核员", "审批负责人", "制证员"}
HOLDER_KINDS = {"自然人", "法人"}
YES_NO = {"是": True, "否": False}


def yes_no(value: bool) -> str:
    return "是" if value else "否"


def split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").replace("；", ";").split(";") if part.strip()]


def join(values) -> str:
    return ";".join(values)


# --- application forms (docs/forms.md, "Exchange format") ----------------------------------

# The 类型 / 字段类型 words of the 数据元 and 申请表 sheets: fixed Chinese, whatever the
# language of the page, so a file reads the same everywhere.
KIND_NAMES = {
    "文本": "text",
    "长文本": "long_text",
    "整数": "integer",
    "小数": "decimal",
    "日期": "date",
    "日期区间": "date_range",
    "单选": "choice",
    "多选": "multi_choice",
    "是否": "boolean",
    "身份证号码": "id_number",
    "统一社会信用代码": "uscc",
    "电话": "phone",
    "电子邮箱": "email",
    "地址": "address",
    "金额": "money",
    "重复组": "group",
}
KIND_WORDS = {v: k for k, v in KIND_NAMES.items()}
MASK_NAMES = {"": "", "姓名": "name", "证件号码": "id_number", "电话": "phone", "地址": "address"}
MASK_WORDS = {v: k for k, v in MASK_NAMES.items()}
NO_PREFILL = "不预填"
# 照面字段 a licence takes from the decision, not from the case (docs/forms.md).
DECISION_FIELDS = {"@编号", "@发证日期", "@有效期至", "@有效期限", "@发证机关", "@新信用代码"}


def split_aligned(value: str) -> list[str]:
    """A `;` list whose blanks count (照面字段数据元 lines up with 照面字段); empty: []."""
    text = (value or "").replace("；", ";").strip()
    return [part.strip() for part in text.split(";")] if text else []
