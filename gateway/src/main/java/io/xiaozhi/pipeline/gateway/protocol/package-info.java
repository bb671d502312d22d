/**
 * The device protocol of Xiaozhi firmware: binary audio framing (versions 1, 2 and 3), the JSON text
 * messages in both directions, the MCP JSON-RPC helpers, and the accounting of bad device input.
 *
 * <p>Everything that reads device input returns a result and never throws on what a device sends;
 * everything that writes to a device produces exactly the documented form and rejects invalid
 * arguments from the server side with an exception.
 */
package io.xiaozhi.pipeline.gateway.protocol;
