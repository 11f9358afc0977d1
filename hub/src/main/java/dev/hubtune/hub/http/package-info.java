/**
 * HTTP for the hub: timeouts and a throughput watchdog, retries of what can succeed only, redirects
 * that never leak tokens, no credentials over plain http, proxies from the environment.
 */
package dev.hubtune.hub.http;
