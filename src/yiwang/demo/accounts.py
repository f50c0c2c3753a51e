"""The demo district's people. Usernames are a contract: other tools log in with them.

Identity numbers and credit codes here are synthetic: valid check digits, no real person."""

from yiwang.identity.roles import Role

DEMO_PASSWORD = "yiwang-demo"

CITIZENS = [
    # username, real name, synthetic GB 11643 number (valid check digit), phone, e-mail
    ("citizen", "张三", "110101198503152019", "13800000001", "citizen@example.org"),
    ("citizen2", "李四", "110101199007203029", "13800000002", "citizen2@example.org"),
    ("company", "王五", "110101198001014038", "13800000003", "company@example.org"),
]

ENTERPRISE = {
    "name": "示范区明德餐饮有限公司",
    "uscc": "91990101MA0000001Y",
    "legal_representative": "王五",
    "address": "示例市示范区人民路100号",
    "agent": "company",
}

# username, real name, role, org code
STAFF = [
    ("clerk", "赵敏", Role.CLERK, "990101-ZWZX"),
    ("street-clerk", "钱芳", Role.CLERK, "990101001-BMZX"),
    ("approver", "孙强", Role.APPROVER, "990101-SCJ"),
    ("chief", "周明", Role.CHIEF, "990101-SCJ"),
    ("approver2", "吴静", Role.APPROVER, "990101-WJW"),
    ("issuer", "郑刚", Role.ISSUER, "990101-ZWZX"),
    ("supervisor", "冯涛", Role.SUPERVISOR, "990101"),
    ("street-supervisor", "蒋华", Role.SUPERVISOR, "990101001"),
    ("catalog-admin", "陈丽", Role.CATALOG_ADMIN, "990101"),
    ("catalog-reviewer", "褚军", Role.CATALOG_REVIEWER, "990101"),
    ("hall-manager", "卫红", Role.HALL_MANAGER, "990101-ZWZX"),
    # 窗口人员: windows 1–6 of the district centre, window 1 of 和平街道 (demo/halls.py).
    ("window-1", "蒋丽", Role.WINDOW_STAFF, "990101-ZWZX"),
    ("window-2", "沈洋", Role.WINDOW_STAFF, "990101-ZWZX"),
    ("window-3", "韩雪", Role.WINDOW_STAFF, "990101-ZWZX"),
    ("window-4", "杨帆", Role.WINDOW_STAFF, "990101-ZWZX"),
    ("window-5", "朱琳", Role.WINDOW_STAFF, "990101-ZWZX"),
    ("window-6", "秦磊", Role.WINDOW_STAFF, "990101-ZWZX"),
    ("street-window", "许静", Role.WINDOW_STAFF, "990101001-BMZX"),
    # The 12345 line: its agent (话务员) and dispatcher (派单员) work for the whole district.
    ("hotline-agent", "何佳", Role.HOTLINE_AGENT, "990101"),
    ("dispatcher", "吕萍", Role.DISPATCHER, "990101"),
]

# Every department gets `reviewer-<suffix>` (审核员) and `head-<suffix>` (审批负责人).
DEPARTMENT_ROLES = [
    ("reviewer", Role.APPROVER, "审核员"),
    ("head", Role.CHIEF, "负责人"),
    # 12345 appeals dispatched to the department (承办人).
    ("handler", Role.HANDLER, "12345承办人"),
]
# Streets handle the 12345 appeals of their area too: `handler-<street code>`.
STREET_ROLES = [("handler", Role.HANDLER, "12345承办人")]
