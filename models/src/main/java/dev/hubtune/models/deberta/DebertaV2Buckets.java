package dev.hubtune.models.deberta;

/**
 * DeBERTa's relative positions per distance, as transformers' {@code build_relative_position} and
 * {@code make_log_bucket_position} compute them: distances within {@code ±position_buckets/2} are
 * kept, longer ones mapped logarithmically onto the remaining buckets up to {@code
 * max_relative_positions}. Computed here in float32 step by step as torch does, so that the {@code
 * ceil} lands on the same bucket.
 */
final class DebertaV2Buckets {

    private DebertaV2Buckets() {}

    /**
     * The bucket of every distance {@code i - j} from {@code -(max_position_embeddings - 1)} to
     * {@code max_position_embeddings - 1}, at index {@code distance + max_position_embeddings - 1}.
     */
    static int[] table(DebertaV2Config c) {
        int n = c.maxPositions();
        int[] out = new int[2 * n - 1];
        for (int distance = -(n - 1); distance <= n - 1; distance++) {
            out[distance + n - 1] = bucket(distance, c.positionBuckets(), c.maxRelativePositions());
        }
        return out;
    }

    static int bucket(int relative, int buckets, int maxPosition) {
        if (buckets <= 0 || maxPosition <= 0) {
            return relative;
        }
        int mid = buckets / 2;
        int sign = Integer.signum(relative);
        int abs = relative < mid && relative > -mid ? mid - 1 : Math.abs(relative);
        if (abs <= mid) {
            return relative;
        }
        float ratio = (float) abs / (float) mid;
        float numerator = (float) Math.log(ratio);
        float denominator = (float) Math.log((float) ((maxPosition - 1) / (double) mid));
        float scaled = numerator / denominator * (float) (mid - 1);
        float logPosition = (float) Math.ceil(scaled) + mid;
        return (int) (logPosition * sign);
    }
}
