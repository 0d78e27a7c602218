"""The port's page for bank staff in headless Chromium (Debian's chromium and chromium-driver)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

DRIVER = shutil.which("chromedriver")
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():
    assert DRIVER and BROWSER, "make test installs Debian's chromium and chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1300,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)  # a driver path: nothing downloaded
    yield driver
    driver.quit()


def _wait(driver, css: str, timeout: float = 20):
    return WebDriverWait(driver, timeout).until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def test_bank_staff_sign_in_browse_and_report_outcomes(port, browser, tmp_path):
    d = browser
    d.get(port.url + "/")
    assert d.find_element(By.ID, "signin-button").text == "登录" and "数据端口" in d.title  # Chinese by default
    d.find_element(By.ID, "key").send_keys("isk_wrong_key")
    d.find_element(By.ID, "signin-button").click()
    assert _wait(d, "#signin-error").text == "密钥无效"
    key = d.find_element(By.ID, "key")
    key.clear()
    key.send_keys(port.keys["a"])
    d.find_element(By.ID, "signin-button").click()
    _wait(d, "#table tbody tr")
    mine = pd.read_parquet(port.runs / port.month / "shortlists" / "shortlists.parquet")
    mine = mine[mine["owner"] == port.owners["a"]]
    assert d.find_element(By.ID, "count").text == f"共 {len(mine)} 条"
    shown = {a.text for a in d.find_elements(By.CSS_SELECTOR, "#table a[data-id]")}
    assert shown == set(mine["enterprise_id"])
    # filter by product, then sort by points (a click on the header, twice: descending)
    product = mine["product"].value_counts().index[-1]
    from selenium.webdriver.support.ui import Select

    from innoscore.matching.products import load_products

    name = next(p.name_zh for p in load_products().products if p.id == product)
    Select(d.find_element(By.ID, "f-product")).select_by_visible_text(name)  # products by their Chinese names
    assert d.find_element(By.ID, "count").text == f"共 {(mine['product'] == product).sum()} 条"
    Select(d.find_element(By.ID, "f-product")).select_by_index(0)
    header = d.find_element(By.CSS_SELECTOR, "#table th[data-col='points']")
    header.click()
    d.find_element(By.CSS_SELECTOR, "#table th[data-col='points']").click()
    points_col = [th.get_attribute("data-col") for th in d.find_elements(By.CSS_SELECTOR, "#table th")].index("points")
    first_row = d.find_elements(By.CSS_SELECTOR, "#table tbody tr")[0].find_elements(By.TAG_NAME, "td")
    points = pd.read_parquet(port.runs / port.month / "points.parquet").set_index("enterprise_id")["total"]
    assert float(first_row[points_col].text.replace(",", "")) == pytest.approx(points.loc[mine["enterprise_id"]].max(),
                                                                               abs=0.05)  # sorted, highest first
    # the enterprise page: breakdown, reasons, checks
    first = d.find_element(By.CSS_SELECTOR, "#table a[data-id]")
    eid = first.text
    first.click()
    assert eid in _wait(d, "#enterprise-name").text
    assert len(d.find_elements(By.CSS_SELECTOR, "#breakdown .bar")) >= 3
    assert d.find_elements(By.CSS_SELECTOR, "#checks tr")
    d.find_element(By.ID, "back").click()
    _wait(d, "#table tbody tr")
    # an upload with one bad row: the report, nothing stored (declined applications: no loan for the statistics)
    sent = mine["enterprise_id"].iloc[0]
    good = pd.DataFrame([{"loan_id": "WEB-1", "enterprise_id": sent, "decision": "declined"}])
    bad = pd.concat([good, good.assign(loan_id="WEB-2", decision="maybe")])
    (tmp_path / "bad.csv").write_text(bad.to_csv(index=False), encoding="utf-8")
    (tmp_path / "good.csv").write_text(good.to_csv(index=False), encoding="utf-8")
    d.find_element(By.ID, "file").send_keys(str(tmp_path / "bad.csv"))
    d.find_element(By.ID, "send").click()
    error = _wait(d, "#upload-error").text
    assert "未保存任何记录" in error and "decision" in error and "row 2: maybe" in error
    assert "WEB-1" not in set(port.store.outcomes()["loan_id"])
    d.find_element(By.ID, "file").send_keys(str(tmp_path / "good.csv"))
    d.find_element(By.ID, "send").click()
    assert _wait(d, "#upload-ok").text == "已保存 1 条，已存在 0 条"
    assert "WEB-1" in set(port.store.outcomes()["loan_id"])
    # the English switch
    d.get(port.url + "/?lang=en")
    _wait(d, "#table tbody tr")  # still signed in for this tab
    assert d.find_element(By.ID, "count").text == f"{len(mine)} rows"
