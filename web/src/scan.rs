//! Scanning a payment QR: the camera (getUserMedia → `<video>` → canvas) or, where there is no
//! camera or no permission, a photo of the code. The canvas pixels go to the scanner bundle
//! (`pkg/kipochi_scan.js`, the core's `scan_frame`; see `scan_export.rs`), fetched on first use.
//!
//! Only the pixels cross into the core; decoding and ranking payloads is the core's job.

use std::cell::RefCell;

use kipochi_core::client::{BrowserSleeper, Sleeper};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, MediaStream};

#[wasm_bindgen(inline_js = "export async function load_scanner(path) {
  const m = await import(new URL(path, document.baseURI).href);
  await m.default();
  return m.scan_rgba;
}")]
extern "C" {
    /// Loads the scanner bundle and returns its `scan_rgba(width, height, rgba)`.
    #[wasm_bindgen(catch)]
    async fn load_scanner(path: &str) -> Result<JsValue, JsValue>;
}

/// The scanner bundle's entry point.
const SCANNER: &str = "pkg/kipochi_scan.js";

thread_local! {
    static SCAN_FN: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
}

/// The scanner's `scan_rgba`, loaded once per page.
async fn scanner() -> Result<js_sys::Function, String> {
    if let Some(f) = SCAN_FN.with(|c| c.borrow().clone()) {
        return Ok(f);
    }
    let f: js_sys::Function = load_scanner(SCANNER)
        .await
        .map_err(|_| "the QR reader could not be loaded: check your connection".to_string())?
        .dyn_into()
        .map_err(|_| "the QR reader is broken".to_string())?;
    SCAN_FN.with(|c| *c.borrow_mut() = Some(f.clone()));
    Ok(f)
}

/// Frames are scaled so their longer side is at most this (the scanner's working size).
const MAX_SIDE: u32 = 1280;

/// Time between two camera frames, ms.
const FRAME_GAP_MS: u64 = 250;

/// A scaled size whose longer side is at most [`MAX_SIDE`].
fn fit(w: u32, h: u32) -> (u32, u32) {
    let side = w.max(h);
    if side <= MAX_SIDE {
        (w, h)
    } else {
        (
            (u64::from(w) * u64::from(MAX_SIDE) / u64::from(side)) as u32,
            (u64::from(h) * u64::from(MAX_SIDE) / u64::from(side)) as u32,
        )
    }
}

fn js_err(what: &str) -> impl Fn(JsValue) -> String + '_ {
    move |_| format!("{what} failed")
}

/// Draws `source` (a video or an image) scaled onto a canvas and scans it.
fn scan_drawable(
    scan: &js_sys::Function,
    canvas: &HtmlCanvasElement,
    w: u32,
    h: u32,
    draw: impl Fn(&CanvasRenderingContext2d, f64, f64) -> Result<(), JsValue>,
) -> Result<Option<String>, String> {
    let (w, h) = fit(w, h);
    if w == 0 || h == 0 {
        return Ok(None);
    }
    canvas.set_width(w);
    canvas.set_height(h);
    let ctx: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(js_err("canvas"))?
        .ok_or("no 2D canvas")?
        .dyn_into()
        .map_err(|_| "no 2D canvas".to_string())?;
    draw(&ctx, f64::from(w), f64::from(h)).map_err(js_err("drawing the picture"))?;
    let data = ctx
        .get_image_data(0.0, 0.0, f64::from(w), f64::from(h))
        .map_err(js_err("reading the picture"))?;
    // The pixels stay a JS array (Uint8ClampedArray): the scanner bundle copies them in.
    let rgba =
        js_sys::Reflect::get(&data, &"data".into()).map_err(js_err("reading the picture"))?;
    let found = scan
        .call3(&JsValue::NULL, &w.into(), &h.into(), &rgba)
        .map_err(|e| {
            e.as_string()
                .unwrap_or_else(|| "the QR reader failed".into())
        })?;
    Ok(found.as_string())
}

fn new_canvas() -> Result<HtmlCanvasElement, String> {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("canvas").ok())
        .and_then(|e| e.dyn_into().ok())
        .ok_or_else(|| "this browser cannot draw pictures".to_string())
}

fn stop(stream: &MediaStream) {
    for track in stream.get_tracks().iter() {
        if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
            track.stop();
        }
    }
}

async fn open_camera() -> Result<MediaStream, String> {
    let devices = web_sys::window()
        .ok_or("no window")?
        .navigator()
        .media_devices()
        .map_err(|_| "this browser has no camera access (use a photo instead)".to_string())?;
    let video = js_sys::Object::new();
    js_sys::Reflect::set(&video, &"facingMode".into(), &"environment".into())
        .map_err(js_err("camera settings"))?;
    let constraints = web_sys::MediaStreamConstraints::new();
    constraints.set_video(&video);
    constraints.set_audio(&JsValue::FALSE);
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|_| "the camera cannot be opened".to_string())?;
    JsFuture::from(promise)
        .await
        .map_err(|_| "no camera, or permission was refused: use a photo instead".to_string())?
        .dyn_into::<MediaStream>()
        .map_err(|_| "the camera gave no video".to_string())
}

/// Camera viewfinder and photo picker; calls `on_found` with the first payload read.
#[component]
pub fn Scanner(on_found: Callback<String>) -> impl IntoView {
    let video = NodeRef::<leptos::html::Video>::new();
    let running = RwSignal::new(false);
    let status = RwSignal::new(None::<String>);
    let stream = StoredValue::new_local(None::<MediaStream>);
    let halt = move || {
        running.try_set(false);
        if let Some(Some(s)) = stream.try_update_value(Option::take) {
            stop(&s);
        }
    };
    on_cleanup(halt);

    let start = move |_| {
        if running.get_untracked() {
            return;
        }
        running.set(true);
        status.set(Some("Opening the camera…".into()));
        leptos::task::spawn_local(async move {
            let opened = open_camera().await;
            let (Some(el), Ok(s)) = (video.get_untracked(), opened.as_ref()) else {
                status.try_set(Some(opened.err().unwrap_or_else(|| "no viewfinder".into())));
                running.try_set(false);
                return;
            };
            el.set_src_object(Some(s));
            if let Ok(p) = el.play() {
                // Autoplay of a muted stream is allowed; a refusal shows as no frames below.
                let _ = JsFuture::from(p).await;
            }
            stream.set_value(Some(s.clone()));
            let (canvas, scan) = match (new_canvas(), scanner().await) {
                (Ok(c), Ok(f)) => (c, f),
                (Err(e), _) | (_, Err(e)) => {
                    status.try_set(Some(e));
                    halt();
                    return;
                }
            };
            status.try_set(Some("Point the camera at the QR code.".into()));
            while running.try_get_untracked() == Some(true) {
                let (w, h) = (el.video_width(), el.video_height());
                let found = scan_drawable(&scan, &canvas, w, h, |ctx, dw, dh| {
                    ctx.draw_image_with_html_video_element_and_dw_and_dh(&el, 0.0, 0.0, dw, dh)
                });
                match found {
                    Ok(Some(payload)) => {
                        halt();
                        status.try_set(Some("QR code read.".into()));
                        on_found.run(payload);
                        return;
                    }
                    Ok(None) => {}
                    Err(e) => {
                        status.try_set(Some(e));
                    }
                }
                BrowserSleeper.sleep(FRAME_GAP_MS).await;
            }
        });
    };

    let photo = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        status.set(Some("Reading the photo…".into()));
        leptos::task::spawn_local(async move {
            let result = scan_photo(&file).await;
            match result {
                Ok(Some(payload)) => {
                    status.try_set(Some("QR code read.".into()));
                    on_found.run(payload);
                }
                Ok(None) => {
                    status.try_set(Some(
                        "No QR code found in this photo. Try a sharper, closer one.".into(),
                    ));
                }
                Err(e) => {
                    status.try_set(Some(e));
                }
            }
        });
    };

    view! {
        <div class="scanner">
            <video node_ref=video id="viewfinder" class="viewfinder" autoplay muted playsinline
                aria-label="Camera viewfinder" hidden=move || !running.get()></video>
            <button type="button" id="scan-camera" on:click=start disabled=move || running.get()>
                "Scan with the camera"
            </button>
            <button type="button" id="scan-stop" hidden=move || !running.get()
                on:click=move |_| halt()>"Stop the camera"</button>
            <label for="scan-photo">"Or choose a photo of the QR code"</label>
            <input id="scan-photo" type="file" accept="image/*" on:change=photo />
            <p id="scan-status" role="status">{move || status.get()}</p>
        </div>
    }
}

async fn scan_photo(file: &web_sys::File) -> Result<Option<String>, String> {
    let url =
        web_sys::Url::create_object_url_with_blob(file).map_err(js_err("opening the photo"))?;
    let result = async {
        let scan = scanner().await?;
        let img = web_sys::HtmlImageElement::new().map_err(js_err("opening the photo"))?;
        img.set_src(&url);
        JsFuture::from(img.decode())
            .await
            .map_err(|_| "this file is not a picture this browser can read".to_string())?;
        let canvas = new_canvas()?;
        scan_drawable(
            &scan,
            &canvas,
            img.natural_width(),
            img.natural_height(),
            |ctx, dw, dh| {
                ctx.draw_image_with_html_image_element_and_dw_and_dh(&img, 0.0, 0.0, dw, dh)
            },
        )
    }
    .await;
    // Releasing the object URL can only fail for an unknown URL: nothing to do then.
    let _ = web_sys::Url::revoke_object_url(&url);
    result
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn frames_fit_the_working_size() {
        assert_eq!(fit(640, 480), (640, 480));
        assert_eq!(fit(2560, 1440), (1280, 720));
        assert_eq!(fit(1000, 4000), (320, 1280));
    }
}
