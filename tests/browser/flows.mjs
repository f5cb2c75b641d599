// Browser end-to-end test of the web wallet's remaining flows against a real lab on loopback,
// in headless Chromium at phone width:
//  1. scan & pay: a merchant's dynamic QR (the SVG the core renders on the merchant's page,
//     rasterised by the browser) becomes a y4m video fed to a second Chromium through its fake
//     camera, so the real getUserMedia → canvas → scanner bundle (core scan_frame) path reads it;
//     the payer pays and the merchant's page flips to "Paid";
//  2. the photo fallback reads another QR from an uploaded PNG; the payer then cancels;
//  3. an agent onboards two customers while the hub is unreachable (every API request aborted),
//     sees them queued, syncs: one customer is created exactly once, the other is refused
//     (phone taken), fixed and resubmitted; the new customer activates with the code and logs in;
//  4. the admin searches payments, opens one's timeline and sees the charts;
//  5. the merchant's printable till QR poster;
//  6. error paths: unknown phone, insufficient funds, an expired quote.
// Screenshots of each page go to artifacts/screenshots (ignored by git).
// Env: KIPOCHI_HUB_BIN, KIPOCHI_WEB_DIR, KIPOCHI_TOOLS, CHROMIUM.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chromium, FLAGS, PIN, SHOTS, startLab, amountOf, check, results, newPage, login, textOf,
} from './lab.mjs';

mkdirSync(SHOTS, { recursive: true });
const frames = mkdtempSync(join(tmpdir(), 'kipochi-qr-'));
const { urls, stop } = await startLab();
const blue = urls.bluebank, green = urls.greenwallet;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, headless: true, args: FLAGS });
let camera = null;
const errors = [];
// Expected in these flows: the browser logs every refused or aborted request.
const unexpected = () => errors.filter((e) => !/Failed to load resource/.test(e));

async function newRequest(merchant, amount, ref) {
  await merchant.fill('#req-amount', amount);
  await merchant.fill('#req-ref', ref);
  await merchant.click('#req-submit');
  await merchant.waitForFunction((r) => document.querySelector('#qr-payload')?.textContent.includes(r),
    ref, { timeout: 15000 });
  return (await merchant.textContent('#qr-payload')).trim();
}

// The merchant page's QR as pictures for the payer: `qr.y4m` (640×480 4:2:0 frames, the code
// centred, for Chromium's fake camera) and `qr.png` (the code alone, for the photo upload).
async function qrPictures(merchant, dir) {
  const W = 640, H = 480;
  const { luma, png } = await merchant.evaluate(async ([W, H]) => {
    const svg = new XMLSerializer().serializeToString(document.querySelector('#qr svg'));
    const img = new Image();
    img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg);
    await img.decode();
    const side = 400;
    const frame = document.createElement('canvas');
    frame.width = W; frame.height = H;
    const ctx = frame.getContext('2d');
    ctx.fillStyle = '#c8c8c8';
    ctx.fillRect(0, 0, W, H);
    ctx.drawImage(img, (W - side) / 2, (H - side) / 2, side, side);
    const d = ctx.getImageData(0, 0, W, H).data;
    const luma = [];
    for (let i = 0; i < W * H; i++) luma.push((77 * d[4 * i] + 150 * d[4 * i + 1] + 29 * d[4 * i + 2] + 128) >> 8);
    const alone = document.createElement('canvas');
    alone.width = side; alone.height = side;
    alone.getContext('2d').drawImage(img, 0, 0, side, side);
    return { luma, png: alone.toDataURL('image/png').split(',')[1] };
  }, [W, H]);
  const y = Buffer.from(luma);
  const chroma = Buffer.alloc((W / 2) * (H / 2), 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, chroma, chroma]);
  const header = Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`);
  writeFileSync(join(dir, 'qr.y4m'), Buffer.concat([header, ...Array(5).fill(frame)]));
  writeFileSync(join(dir, 'qr.png'), Buffer.from(png, 'base64'));
}

async function openPay(page) {
  await page.waitForSelector('#go-pay', { timeout: 15000 });
  await page.click('#go-pay');
  await page.waitForSelector('#pay', { timeout: 15000 });
}

try {
  const merchant = await newPage(browser, errors);
  await login(merchant, green, '255722000003');
  await merchant.waitForSelector('#live:has-text("live")', { timeout: 15000 });

  await check('a customer scans a dynamic QR with the camera and pays it; the merchant sees it paid', async () => {
    await newRequest(merchant, '1200', 'SCAN-1');
    await qrPictures(merchant, frames);
    camera = await chromium.launch({
      executablePath: process.env.CHROMIUM, headless: true,
      args: [...FLAGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${join(frames, 'qr.y4m')}`],
    });
    const buyer = await newPage(camera, errors, { permissions: ['camera'] });
    await login(buyer, blue, '255711000001');
    await openPay(buyer);
    await buyer.check('#mode-qr');
    await buyer.click('#scan-camera');
    await buyer.waitForSelector('#confirm', { timeout: 30000 });
    if ((await buyer.textContent('#payee')) !== 'Mama Ntilie') throw new Error('payee');
    if (amountOf(await buyer.textContent('#q-amount')) !== 120000n) throw new Error('amount');
    await buyer.fill('#approve-pin', PIN);
    await buyer.click('#approve');
    await buyer.waitForSelector('#result-state.committed', { timeout: 30000 });
    await merchant.waitForSelector('#request-status.paid', { timeout: 20000 });
    await buyer.screenshot({ path: `${SHOTS}/scan-paid.png` });
  });

  const payer = await newPage(browser, errors);
  await check('a photo of a QR is read and the payer can cancel the quote', async () => {
    await newRequest(merchant, '700', 'PHOTO-1');
    await qrPictures(merchant, frames);
    await login(payer, blue, '255711000002');
    await openPay(payer);
    await payer.check('#mode-qr');
    await payer.screenshot({ path: `${SHOTS}/pay-scan.png` });
    await payer.setInputFiles('#scan-photo', join(frames, 'qr.png'));
    await payer.waitForSelector('#confirm', { timeout: 30000 });
    if (amountOf(await payer.textContent('#q-amount')) !== 70000n) throw new Error('amount');
    await payer.click('#decline');
    await payer.waitForSelector('#home', { timeout: 15000 });
    const status = await merchant.textContent('#request-status');
    if (!status.startsWith('Waiting')) throw new Error(`request is ${status}`);
  });

  await check('an agent onboards offline, syncs once, fixes a refused form; the customer activates', async () => {
    const agent = await newPage(browser, errors);
    await login(agent, blue, '255711000004');
    await agent.waitForSelector('#agent', { timeout: 15000 });
    await agent.waitForSelector('#sync-status:has-text("Up to date")', { timeout: 15000 });
    // Validation by the core, before anything is queued.
    await agent.fill('#ob-phone', '12ab');
    await agent.fill('#ob-dob', '2099-01-01');
    await agent.click('#ob-submit');
    for (const f of ['phone', 'full_name', 'id_number', 'date_of_birth']) {
      if (!(await textOf(agent, `#err-${f}`))) throw new Error(`no error for ${f}`);
    }
    await agent.screenshot({ path: `${SHOTS}/agent-validation.png` });
    // The hub becomes unreachable for this page.
    await agent.route('**/api/v1/**', (route) => route.abort('internetdisconnected'));
    const onboard = async (phone, name) => {
      await agent.fill('#ob-phone', phone);
      await agent.fill('#ob-name', name);
      await agent.selectOption('#ob-id-type', 'passport');
      await agent.fill('#ob-id-number', `P-${phone.slice(-6)}`);
      await agent.fill('#ob-dob', '1990-05-01');
      await agent.selectOption('#ob-tier', '2');
      await agent.click('#ob-submit');
    };
    await onboard('255711555001', 'Asha Juma');
    await agent.waitForSelector('#sync-status:has-text("Offline")', { timeout: 15000 });
    await onboard('255711000002', 'Taken Number'); // an existing customer's phone
    await agent.waitForSelector('#sync-status:has-text("2 waiting")', { timeout: 15000 });
    await agent.screenshot({ path: `${SHOTS}/agent-offline.png` });
    // A reload keeps the queued forms (localStorage).
    await agent.unroute('**/api/v1/**');
    await agent.route('**/api/v1/agent/**', (route) => route.abort('internetdisconnected'));
    await agent.reload();
    await login(agent, blue, '255711000004');
    await agent.waitForSelector('#sync-status:has-text("2 waiting")', { timeout: 15000 });
    // Back online: sync, twice.
    await agent.unroute('**/api/v1/agent/**');
    await agent.click('#sync-now');
    const ok = agent.locator('.outbox-item.done[data-phone="255711555001"]');
    await ok.waitFor({ timeout: 20000 });
    const refused = agent.locator('.outbox-item.failed[data-phone="255711000002"]');
    await refused.waitFor({ timeout: 20000 });
    if (!/already registered/.test(await refused.textContent())) throw new Error('refusal text');
    await agent.click('#sync-now');
    await agent.waitForSelector('#sync-status:has-text("Up to date")', { timeout: 15000 });
    const code = (await ok.locator('.activation-code').textContent()).trim();
    if (!/^\d{8}$/.test(code)) throw new Error(`activation code ${code}`);
    // Fix and resubmit the refused one under its id.
    await refused.locator('.ob-fix').click();
    if ((await agent.inputValue('#ob-phone')) !== '255711000002') throw new Error('form not loaded');
    await agent.fill('#ob-phone', '255711555002');
    await agent.click('#ob-submit');
    await agent.locator('.outbox-item.done[data-phone="255711555002"]').waitFor({ timeout: 20000 });
    if (await agent.locator('.outbox-item.failed').count()) throw new Error('a failed item is left');
    await agent.click('#customers-refresh');
    await agent.waitForSelector('#customers .customer', { timeout: 15000 });
    const phones = await agent.locator('#customers .c-phone').allTextContents();
    const count = (p) => phones.filter((x) => x === p).length;
    if (count('255711555001') !== 1 || count('255711555002') !== 1 || count('255711000002') !== 0) {
      throw new Error(`customers: ${phones.join(',')}`);
    }
    await agent.screenshot({ path: `${SHOTS}/agent-synced.png`, fullPage: true });

    const fresh = await newPage(browser, errors);
    await fresh.goto(blue + '/');
    await fresh.click('#go-activate');
    await fresh.fill('#act-phone', '255711555001');
    await fresh.fill('#act-code', code);
    await fresh.fill('#act-pin', '1357');
    await fresh.fill('#act-pin2', '1357');
    await fresh.screenshot({ path: `${SHOTS}/activate.png` });
    await fresh.click('#act-submit');
    await fresh.waitForSelector('#balance', { timeout: 15000 });
    if ((await fresh.textContent('#name')) !== 'Asha Juma') throw new Error('name after activation');
    await fresh.context().close();
    await agent.context().close();
  });

  await check('error paths: unknown phone, insufficient funds, expired quote', async () => {
    await payer.goto(blue + '/');
    await payer.clock.install();
    await login(payer, blue, '255711000002');
    await openPay(payer);
    await payer.fill('#to-phone', '255711099999');
    await payer.fill('#amount', '100');
    await payer.click('#pay-submit');
    const unknown = await textOf(payer, '#pay-error', 30000);
    if (unknown !== 'No wallet was found for that number or QR code.') throw new Error(`unknown: ${unknown}`);
    await payer.screenshot({ path: `${SHOTS}/error-unknown-phone.png` });

    await payer.fill('#to-phone', '255711000001');
    await payer.fill('#amount', '90000000');
    await payer.click('#pay-submit');
    await payer.waitForSelector('#pay-error:not(:empty), #confirm', { timeout: 15000 });
    if (await payer.locator('#confirm').count()) {
      await payer.fill('#approve-pin', PIN);
      await payer.click('#approve');
      await textOf(payer, '#confirm-error');
    }
    const poor = (await payer.locator('#pay-error, #confirm-error').allTextContents()).join('').trim();
    if (poor !== 'Not enough money in your account for this payment and its fee.') {
      throw new Error(`insufficient: ${poor}`);
    }
    await payer.screenshot({ path: `${SHOTS}/error-funds.png` });
    if (await payer.locator('#decline').count()) await payer.click('#decline');
    else await payer.click('#pay button[type=button]:has-text("Cancel")');

    await openPay(payer);
    await payer.fill('#to-phone', '255711000001');
    await payer.fill('#amount', '10');
    await payer.click('#pay-submit');
    await payer.waitForSelector('#confirm', { timeout: 15000 });
    await payer.clock.fastForward('05:01');
    await payer.waitForSelector('#expiry:has-text("expired")', { timeout: 5000 });
    if (!(await payer.isDisabled('#approve'))) throw new Error('approve stays enabled after expiry');
    await payer.screenshot({ path: `${SHOTS}/error-expired.png` });
    await payer.click('#decline');
  });

  await check('the admin searches payments, opens a timeline and sees the charts', async () => {
    const admin = await newPage(browser, errors);
    await login(admin, blue, '255711000009');
    await admin.waitForSelector('#admin .payment-row', { timeout: 15000 });
    await admin.selectOption('#s-state', 'committed');
    await admin.click('#s-submit');
    await admin.waitForFunction(() => {
      const rows = [...document.querySelectorAll('#results .payment-row')];
      return rows.length > 0 && rows.every((r) => r.classList.contains('committed'));
    }, null, { timeout: 15000 });
    if (!(await admin.locator('#chart-states .state-row.committed').count())) throw new Error('state chart');
    if (!(await admin.locator('#chart-minutes rect.bar').count())) throw new Error('minute chart');
    await admin.locator('#results .open-payment').first().click();
    await admin.waitForSelector('#timeline-events li', { timeout: 15000 });
    if ((await admin.locator('#timeline-events li').count()) < 2) throw new Error('timeline too short');
    if ((await admin.textContent('#t-state')) !== 'committed') throw new Error('timeline state');
    await admin.screenshot({ path: `${SHOTS}/admin.png`, fullPage: true });
    await admin.fill('#s-party', 'no-such-party');
    await admin.click('#s-submit');
    await admin.waitForSelector('#s-count:has-text("0 payments found")', { timeout: 15000 });
    await admin.context().close();
  });

  await check('the merchant prints the till QR poster', async () => {
    await merchant.click('#go-poster');
    await merchant.waitForSelector('#poster-qr', { timeout: 15000 });
    await merchant.waitForFunction(() => document.querySelector('#poster-qr').naturalWidth > 0,
      null, { timeout: 15000 });
    if (!(await textOf(merchant, '#poster-till'))) throw new Error('no till number');
    const href = await merchant.getAttribute('#poster-download', 'href');
    if (!href.startsWith('data:image/png;base64,')) throw new Error('download link');
    await merchant.emulateMedia({ media: 'print' });
    if (await merchant.isVisible('#poster-print')) throw new Error('buttons print');
    await merchant.screenshot({ path: `${SHOTS}/merchant-poster-print.png` });
    await merchant.emulateMedia({ media: 'screen' });
  });

  await check('no page errors', async () => {
    if (unexpected().length) throw new Error(unexpected().join(' | '));
  });
} finally {
  await browser.close();
  if (camera) await camera.close();
  await stop();
  rmSync(frames, { recursive: true, force: true });
}
const { passed, failed } = results();
console.log(`browser flows: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
