package dev.hubtune.hub.source;

import java.util.List;
import java.util.regex.Pattern;

/**
 * fnmatch-style patterns as huggingface_hub's {@code allow_patterns}: {@code *} matches any run of
 * characters including {@code /}, {@code ?} one character, {@code [abc]} a class.
 */
public final class Globs {

    private Globs() {}

    /** True when {@code path} matches any of {@code patterns}. */
    public static boolean matchesAny(String path, List<String> patterns) {
        for (String p : patterns) {
            if (toRegex(p).matcher(path).matches()) {
                return true;
            }
        }
        return false;
    }

    static Pattern toRegex(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                case '[' -> {
                    int end = glob.indexOf(']', i + 1);
                    if (end < 0) {
                        re.append("\\[");
                    } else {
                        String cls = glob.substring(i + 1, end).replace("\\", "\\\\");
                        re.append('[')
                                .append(cls.startsWith("!") ? "^" + cls.substring(1) : cls)
                                .append(']');
                        i = end;
                    }
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
