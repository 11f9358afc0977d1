package dev.hubtune.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonPrimitive;
import com.google.gson.JsonSerializer;
import java.nio.file.Path;

/** The CLI's JSON output: pretty, no HTML escaping, paths as strings. */
final class Json {
    static final Gson GSON =
            new GsonBuilder()
                    .setPrettyPrinting()
                    .disableHtmlEscaping()
                    .registerTypeHierarchyAdapter(
                            Path.class,
                            (JsonSerializer<Path>) (p, t, c) -> new JsonPrimitive(p.toString()))
                    .create();

    private Json() {}
}
