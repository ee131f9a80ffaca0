"""A real browser (headless Debian chromium via Selenium) uses the chat page on a 360-px-wide screen."""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.conftest import Server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT = 20  # seconds Selenium waits for an element (an event wait, not a sleep)
SHOT_COPY = Path("/tmp/xinzhi-web.png")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip("chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="xinzhi-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", "--window-size=360,800", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.set_window_size(360, 800)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def tap(driver, element) -> None:
    """Scroll an element to the middle of the screen (clear of the sticky header and input bar) and tap it."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def test_ask_expand_pick_a_suggestion_and_thumbs_down(browser, server: Server, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    d = browser
    wait = WebDriverWait(d, WAIT)
    d.get(server.url + "/")
    assert "以上为一般性信息" in d.find_element(By.ID, "disclaimer").text
    assert "12348" in d.find_element(By.ID, "help-line").text

    box = d.find_element(By.ID, "text")
    box.send_keys("上门催收合法吗")
    d.find_element(By.ID, "send").click()
    summary = wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".msg.bot .summary")))
    assert summary.text == "先保留证据,再向机构投诉。"
    full = d.find_element(By.CSS_SELECTOR, ".msg.bot .full")
    assert not full.is_displayed()  # summary first; the full answer waits for a tap
    tap(d, d.find_element(By.CSS_SELECTOR, ".msg.bot .toggle"))
    wait.until(EC.visibility_of(full))
    assert "第一步,保留证据。" in full.text and "依据" in full.text

    related = d.find_element(By.CSS_SELECTOR, ".msg.bot .choice[data-entry='collection-contacts-third-party']")
    tap(d, related)
    wait.until(lambda drv: len(drv.find_elements(By.CSS_SELECTOR, ".msg.bot h2.question")) == 2)
    second = d.find_elements(By.CSS_SELECTOR, ".msg.bot")[-1]
    assert "催收爆通讯录" in second.find_element(By.CSS_SELECTOR, "h2.question").text

    tap(d, second.find_element(By.CSS_SELECTOR, ".fb[data-helpful='false']"))
    note = wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".feedback-note")))
    assert note.text == "谢谢你的反馈!"

    # user text is shown as text, never as markup
    box.send_keys("<img src=x onerror=alert(1)>")
    d.find_element(By.ID, "send").click()
    wait.until(lambda drv: len(drv.find_elements(By.CSS_SELECTOR, ".msg.user")) == 3)
    assert d.find_elements(By.CSS_SELECTOR, "main img") == []
    assert d.find_elements(By.CSS_SELECTOR, ".msg.user")[-1].text == "<img src=x onerror=alert(1)>"
    wait.until(lambda drv: len(drv.find_elements(By.CSS_SELECTOR, ".msg.bot")) == 4)

    width = d.execute_script("return document.documentElement.scrollWidth")
    assert width <= 360  # nothing overflows a 360-px phone screen
    height = d.execute_script("return document.documentElement.scrollHeight")
    d.set_window_size(360, min(int(height) + 120, 4000))  # the whole conversation, still 360 px wide
    d.execute_script("window.scrollTo(0, 0)")
    shot = tmp_path / "xinzhi-web.png"
    assert d.save_screenshot(str(shot))
    shutil.copy(shot, SHOT_COPY)
    assert shot.stat().st_size > 5000

    with __import__("sqlite3").connect(server.db) as conn:
        assert conn.execute("SELECT entry_id, positive FROM feedback").fetchall() == [
            ("collection-contacts-third-party", 0)]
        assert conn.execute("SELECT entry_id FROM picks").fetchall() == [("collection-contacts-third-party",)]


def test_crisis_answer_shows_the_hotline_first(browser, server: Server) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    d = browser
    d.get(server.url + "/")
    d.find_element(By.ID, "text").send_keys("欠钱太多不想活了")
    d.find_element(By.ID, "send").click()
    hotline = WebDriverWait(d, WAIT).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".crisis .hotline")))
    assert "12356" in hotline.text and hotline.get_attribute("href") == "tel:12356"


def test_topic_browsing_opens_an_answer(browser, server: Server) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    d = browser
    wait = WebDriverWait(d, WAIT)
    d.get(server.url + "/")
    d.find_element(By.ID, "topics-btn").click()
    cat = wait.until(EC.element_to_be_clickable((By.XPATH, "//button[contains(@class,'cat')][starts-with(., '征信')]")))
    cat.click()
    wait.until(EC.element_to_be_clickable((By.XPATH, "//section[@id='topics']//button[.='怎么查自己的征信报告?']"))).click()
    q = wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".msg.bot h2.question")))
    assert q.text == "怎么查自己的征信报告?"
