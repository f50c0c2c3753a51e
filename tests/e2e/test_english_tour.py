"""The English demo tour (issue 18, item 8): after the language switch, every role's main
pages show no Chinese outside official names. Official names and the catalogue's own text
(conditions, legal basis, materials) stay Chinese, marked lang="zh-Hans"; everything else
— words, statuses, dates, departments' English names, fees — is English."""

import pytest

from .conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Text of the visible page outside elements marked Chinese (lang="zh…", any case), plus
# placeholders, titles and labels: each text with Chinese characters, to say where it is.
CHINESE_OUTSIDE_OFFICIAL_NAMES = r"""() => {
  const cjk = /[\u3400-\u9fff\uf900-\ufaff]/;  // Han characters (not full-width punctuation)
  const marked = (el) => {
    const host = el.closest("[lang]");
    return host && host !== document.documentElement &&
      host.getAttribute("lang").toLowerCase().startsWith("zh");
  };
  const visible = (el) => el.checkVisibility ? el.checkVisibility() : !!el.offsetParent;
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || !cjk.test(node.textContent) || ["SCRIPT", "STYLE", "TEMPLATE"].includes(el.tagName)) continue;
    if (marked(el) || !visible(el)) continue;
    found.push(el.tagName.toLowerCase() + ": " + node.textContent.trim().slice(0, 80));
  }
  for (const el of document.querySelectorAll("[placeholder], [title], [aria-label]")) {
    for (const a of ["placeholder", "title", "aria-label"]) {
      const v = el.getAttribute(a);
      if (v && cjk.test(v) && !marked(el) && visible(el)) found.push(a + ": " + v.slice(0, 80));
    }
  }
  return found;
}"""


def _english(browser, base, username=None):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    if username:
        log_in(page, base, username)
    else:
        page.goto(f"{base}/")
    page.get_by_role("button", name="English").first.click()  # the header's switch
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    return context, page


def _tour(page, base, paths, leaks):
    for path in paths:
        response = page.goto(f"{base}{path}")
        if response.status >= 400:
            leaks[path] = [f"HTTP {response.status}"]
            continue
        found = page.evaluate(CHINESE_OUTSIDE_OFFICIAL_NAMES)
        if found:
            leaks[path] = found


@pytest.fixture
def district_with_past(demo_district):
    from yiwang.demo.history import load_history

    load_history(background=0)


def test_the_english_tour_shows_no_chinese_outside_official_names(
    live_server, district_with_past, browser
):
    from yiwang.identity.models import User
    from yiwang.journey.cases.models import Case, Status
    from yiwang.journey.workflow.models import OPEN_TASK, ApprovalTask
    from yiwang.licenses import selectors as licences

    base = live_server.url
    approved = Case.objects.filter(applicant__username="citizen", status=Status.APPROVED).first()
    submitted = Case.objects.filter(status=Status.SUBMITTED).order_by("pk").first()
    licence = licences.wallet(User.objects.get(username="citizen")).first()
    task = ApprovalTask.objects.filter(status__in=OPEN_TASK, assignee__username="approver").first()
    task = task or ApprovalTask.objects.filter(status__in=OPEN_TASK).first()
    leaks = {}

    tours = [
        (
            "citizen",
            [
                "/",
                "/search/?q=business+license",
                "/items/SCJ-XK-0001/",
                "/bundles/",
                "/bundles/YJS-0001/",
                "/apply/SCJ-XK-0001/",
                "/my/cases/",
                f"/my/cases/{approved.pk}/",
                f"/my/cases/{approved.pk}/rate/",
                "/my/licenses/",
                f"/my/licenses/{licence.pk}/",
                "/me/",
            ],
        ),
        ("clerk", ["/workbench/intake/", f"/workbench/intake/{submitted.pk}/"]),
        ("approver", ["/workbench/tasks/", f"/workbench/tasks/{task.pk}/"]),
        (
            "supervisor",
            [
                "/workbench/supervision/",
                "/workbench/supervision/ranking/",
                "/workbench/evaluations/",
            ],
        ),
        ("catalog-admin", ["/workbench/catalog/", "/workbench/catalog/items/SCJ-XK-0001/"]),
    ]
    for username, paths in tours:
        context, page = _english(browser, base, username)
        try:
            _tour(page, base, paths, leaks)
        finally:
            context.close()

    report = "\n".join(f"{path}\n    " + "\n    ".join(found) for path, found in leaks.items())
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "english-tour.txt").write_text(report or "no Chinese outside official names\n")
    assert leaks == {}, f"Chinese outside official names:\n{report}"


def test_form_checks_speak_the_page_language_not_the_browser_language(live_server, page):
    """The bubble of an empty required field says what the page's language says, whatever
    the browser's own language: Chinese on the Chinese page, English on the English one."""
    base = live_server.url
    check = "field => { field.reportValidity(); return field.validationMessage; }"
    page.goto(f"{base}/login/")
    username = page.locator("input[name=username]")
    assert username.get_attribute("required") is not None
    assert username.evaluate(check) == "请填写此字段。"

    page.get_by_role("button", name="English").first.click()
    page.wait_for_load_state()
    assert page.locator("input[name=username]").evaluate(check) == "Please fill in this field."
    page.locator("input[name=username]").fill("citizen")  # typing clears the message
    assert page.locator("input[name=username]").evaluate("field => field.validity.valid")
