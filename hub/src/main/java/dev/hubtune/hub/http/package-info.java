/**
 * HTTP for the hub: retries with backoff, redirects that never leak tokens, proxies from the
 * environment.
 */
package dev.hubtune.hub.http;
