package dev.hubtune.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;

/**
 * Serves one file from disk on 127.0.0.1 the way the Hugging Face Hub does (the revision API with
 * the file's LFS sha256, and {@code /resolve/}), so that hubtune and curl fetch the same bytes from
 * the same server in the same run.
 */
final class LoopbackFileServer implements AutoCloseable {

    static final String REPO = "bench/big";
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    private final HttpServer server;
    private final java.util.concurrent.ExecutorService executor = Executors.newFixedThreadPool(2);
    private final Path file;
    private final String sha256;

    LoopbackFileServer(Path file, String sha256) throws IOException {
        this.file = file;
        this.sha256 = sha256;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    String fileUrl() {
        return endpoint() + "/" + REPO + "/resolve/" + COMMIT + "/model.bin";
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if (path.startsWith("/api/models/" + REPO)) {
                String json =
                        "{\"id\":\""
                                + REPO
                                + "\",\"sha\":\""
                                + COMMIT
                                + "\",\"siblings\":[{\"rfilename\":\"model.bin\","
                                + "\"size\":"
                                + Files.size(file)
                                + ",\"lfs\":{\"sha256\":\""
                                + sha256
                                + "\",\"size\":"
                                + Files.size(file)
                                + "}}]}";
                byte[] body = json.getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            } else if (path.endsWith("/model.bin")) {
                ex.sendResponseHeaders(200, Files.size(file));
                byte[] buffer = new byte[1 << 20];
                try (InputStream in = Files.newInputStream(file);
                        OutputStream out = ex.getResponseBody()) {
                    int n;
                    while ((n = in.read(buffer)) > 0) {
                        out.write(buffer, 0, n);
                    }
                }
            } else {
                ex.sendResponseHeaders(404, -1);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow(); // its threads are not daemons: they would keep the JVM alive
    }
}
