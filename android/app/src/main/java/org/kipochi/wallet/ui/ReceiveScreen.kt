// Merchant "receive": draws the shop's QR (static, or for one exact amount) from the core's
// module matrix. The shop details would come from the merchant's profile; fixed here.
package org.kipochi.wallet.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.material3.Button
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.kipochi.wallet.model.ReceiveModel
import org.kipochi.wallet.model.Shop
import org.kipochi.wallet.model.ShownQr
import uniffi.kipochi.FfiException
import uniffi.kipochi.PartyId
import uniffi.kipochi.PartyIdType

@Composable
fun ReceiveScreen() {
    val model = remember {
        ReceiveModel(Shop(PartyId(PartyIdType.BUSINESS, "till-1234", null), "5411", "TZS", "TZ", "Mama Lishe", "Arusha"))
    }
    val scope = rememberCoroutineScope()
    var amount by remember { mutableStateOf("") }
    var shown by remember { mutableStateOf<ShownQr?>(null) }
    var error by remember { mutableStateOf<String?>(null) }
    LaunchedEffect(Unit) { shown = withContext(Dispatchers.Default) { model.staticQr() } }
    Column(Modifier.padding(16.dp)) {
        shown?.let { QrImage(it) }
        OutlinedTextField(value = amount, onValueChange = { amount = it }, label = { Text("Amount") })
        Button(onClick = {
            scope.launch {
                try {
                    shown = withContext(Dispatchers.Default) { model.paymentQr(amount, null) }
                    error = null
                } catch (e: FfiException) {
                    error = e.toString()
                }
            }
        }) { Text("Show QR for this amount") }
        error?.let { Text(it, color = Color.Red) }
    }
}

@Composable
private fun QrImage(qr: ShownQr) {
    val n = qr.matrix.size.toInt()
    Canvas(Modifier.size(280.dp)) {
        val cell = size.width / (n + 8)
        drawRect(Color.White)
        for (y in 0 until n) for (x in 0 until n) {
            if (qr.matrix.modules[y * n + x] == 1.toByte()) {
                drawRect(Color.Black, Offset((x + 4) * cell, (y + 4) * cell), Size(cell, cell))
            }
        }
    }
}
