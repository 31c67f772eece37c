// The web app's common steps in a browser test: the organiser logs in and creates a room, a guest opens the
// link and starts the camera; and the list of servers a browser test runs on (one placeholder when none).
import type { Page } from "playwright-core";

export type TestServer = { kind: string; url: string; authSecret: string | null };

/** The servers to run on, or one placeholder so `it.each` still names a (skipped) test. */
export const serversOrNone = (servers: TestServer[]): TestServer[] =>
  servers.length > 0 ? servers : [{ kind: "none", url: "", authSecret: null }];

export const waitForText = (page: Page, testId: string, text: RegExp, timeout = 30_000) =>
  page.getByTestId(testId).filter({ hasText: text }).waitFor({ timeout });

/** The organiser logs in as `name`, creates a room titled `title`, and waits for its socket. */
export async function organiserCreatesRoom(page: Page, baseUrl: string, title: string, name = "Olga") {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel("Your name").fill(name);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByLabel("Room title").fill(title);
  await page.getByRole("button", { name: "Create a room" }).click();
  const joinUrl = (await page.getByTestId("join-url").getAttribute("href"))!;
  await waitForText(page, "status", /^connected$/);
  return { joinUrl, roomId: joinUrl.slice(joinUrl.lastIndexOf("/") + 1) };
}

/** A guest opens the join link, gives a name, starts the (fake) camera and waits until connected. */
export async function guestJoins(page: Page, joinUrl: string, name: string, timeout = 15_000): Promise<void> {
  await page.goto(joinUrl);
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Start camera" }).click();
  await waitForText(page, "status", /^connected$/, timeout);
}
