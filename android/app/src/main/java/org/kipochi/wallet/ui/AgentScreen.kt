// Agent onboarding: forms are queued in the core's outbox (SQLite) and listed with their sync
// status, live through a WalletListener subscription cancelled when the screen leaves.
// Sending needs the hub client's transport, which is not in the bindings yet.
package org.kipochi.wallet.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.json.JSONObject
import org.kipochi.wallet.Core
import uniffi.kipochi.FfiException
import uniffi.kipochi.OutboxEntry
import uniffi.kipochi.OutboxKind
import uniffi.kipochi.WalletChange
import uniffi.kipochi.WalletListener

@Composable
fun AgentScreen(core: Core) {
    val scope = rememberCoroutineScope()
    var entries by remember { mutableStateOf(core.model.snapshot().outbox) }
    var phone by remember { mutableStateOf("") }
    var name by remember { mutableStateOf("") }
    var error by remember { mutableStateOf<String?>(null) }
    DisposableEffect(core) {
        val sub = core.model.subscribe(object : WalletListener {
            override fun onChange(change: WalletChange) {
                if (change is WalletChange.OutboxChanged) {
                    scope.launch(Dispatchers.Main) { entries = change.entries }
                }
            }
        })
        onDispose { sub.cancel(); sub.close() }
    }
    Column(Modifier.padding(16.dp)) {
        OutlinedTextField(value = phone, onValueChange = { phone = it }, label = { Text("Customer phone") })
        OutlinedTextField(value = name, onValueChange = { name = it }, label = { Text("Customer name") })
        Button(onClick = {
            val form = JSONObject().put("phone", phone).put("display_name", name).toString()
            scope.launch {
                error = try {
                    withContext(Dispatchers.IO) { core.outbox.enqueue(OutboxKind.ONBOARDING, form) }
                    null
                } catch (e: FfiException) {
                    e.toString()
                }
            }
        }) { Text("Queue onboarding") }
        error?.let { Text(it) }
        entries.forEach { e: OutboxEntry -> Text("${e.id.take(8)}  ${e.status}  attempts ${e.attempts}") }
    }
}
