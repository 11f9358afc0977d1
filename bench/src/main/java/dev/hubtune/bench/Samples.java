package dev.hubtune.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Measurements of one quantity: median with min–max, as every row reports. */
final class Samples {
    private final List<Double> values = new ArrayList<>();

    void add(double v) {
        values.add(v);
    }

    double median() {
        List<Double> s = new ArrayList<>(values);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    double min() {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    double max() {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    int count() {
        return values.size();
    }

    /** "123.4 (110.2–130.0) unit". */
    String format(String unit, int decimals) {
        String f = "%." + decimals + "f";
        return String.format(
                Locale.ROOT, f + " (" + f + "–" + f + ") %s", median(), min(), max(), unit);
    }
}
