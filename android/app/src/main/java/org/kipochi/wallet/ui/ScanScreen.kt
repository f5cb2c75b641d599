// Scan & pay: CameraX frames → the core's scanner (ScanPayModel) → the payment intent.
// The next steps (party lookup, quote with payee name and fee, PIN + device-signed approval) need
// the hub client exports, which are not in the bindings yet (see android/README.md).
package org.kipochi.wallet.ui

import androidx.camera.core.ImageAnalysis
import androidx.camera.view.LifecycleCameraController
import androidx.camera.view.PreviewView
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.platform.LocalLifecycleOwner
import androidx.compose.ui.unit.dp
import androidx.compose.ui.viewinterop.AndroidView
import java.util.concurrent.Executors
import org.kipochi.wallet.model.ScanPayModel
import org.kipochi.wallet.model.ScanState
import org.kipochi.wallet.model.tightLuma

@Composable
fun ScanScreen() {
    val context = LocalContext.current
    val lifecycle = LocalLifecycleOwner.current
    val model = remember { ScanPayModel() }
    var state by remember { mutableStateOf<ScanState>(ScanState.Scanning) }
    val analyzerThread = remember { Executors.newSingleThreadExecutor() }
    val controller = remember {
        LifecycleCameraController(context).apply {
            imageAnalysisBackpressureStrategy = ImageAnalysis.STRATEGY_KEEP_ONLY_LATEST
            // Runs on analyzerThread, never on the main thread: the scan is a blocking export.
            setImageAnalysisAnalyzer(analyzerThread) { image ->
                image.use {
                    val plane = it.planes[0]
                    val bytes = ByteArray(plane.buffer.remaining()).also { b -> plane.buffer.get(b) }
                    val luma = tightLuma(it.width, it.height, plane.rowStride, bytes)
                    val next = model.onFrame(it.width, it.height, luma)
                    android.os.Handler(context.mainLooper).post { state = next }
                }
            }
        }
    }
    DisposableEffect(lifecycle) {
        controller.bindToLifecycle(lifecycle)
        onDispose {
            controller.unbind()
            analyzerThread.shutdown()
        }
    }
    Column(Modifier.padding(16.dp)) {
        AndroidView(
            factory = { PreviewView(it).also { v -> v.controller = controller } },
            modifier = Modifier.fillMaxWidth().height(320.dp),
        )
        when (val s = state) {
            ScanState.Scanning -> Text("Point the camera at the merchant's QR")
            is ScanState.Unreadable -> Text("Not a payment QR (${s.code})")
            is ScanState.Found -> {
                val i = s.intent
                Text("Pay ${i.payee.identifier}")
                Text("Amount: ${i.amount ?: "enter amount"} ${i.currency ?: ""}")
                Text("Shown as: ${i.merchantNameHint ?: "-"} (confirmed by lookup before paying)")
                Button(onClick = { model.reset(); state = ScanState.Scanning }) { Text("Scan again") }
            }
        }
    }
}
