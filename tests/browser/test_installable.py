"""Chromium reads the manifest without errors and finds Goalmap installable on a phone."""


def test_chromium_finds_goalmap_installable(new_page):
    page = new_page(390, 844, has_touch=True, is_mobile=True)
    page.goto("/login")
    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest")
    assert manifest["errors"] == []
    # A Playwright context is incognito, which no site can change: every other reason
    # Chromium might give counts.
    problems = [
        problem["errorId"]
        for problem in cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        if problem["errorId"] != "in-incognito"
    ]
    assert problems == []
    # The icons the page names load as images of their stated size.
    for selector, width in (('link[rel="apple-touch-icon"]', 180), ('link[rel="icon"]', 512)):
        href = page.locator(selector).get_attribute("href")
        size = page.evaluate(
            """href => new Promise(done => {
                const image = new Image();
                image.onload = () => done(image.naturalWidth);
                image.onerror = () => done(0);
                image.src = href;
            })""",
            href,
        )
        assert size == width, (href, size)
    assert page.errors == []
