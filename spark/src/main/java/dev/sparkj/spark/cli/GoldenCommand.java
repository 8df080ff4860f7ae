package dev.sparkj.spark.cli;

import dev.sparkj.spark.golden.ClassifyGolden;
import dev.sparkj.spark.golden.SparkGolden;
import dev.sparkj.spark.golden.GoldenCase;
import dev.sparkj.spark.golden.GoldenCheck;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.io.SafeTensors;

import java.nio.file.Path;
import java.util.Map;

/**
 * {@code sparkj golden CASE_DIR OUT.safetensors}: runs a conformance fixture and writes its outputs under the
 * reference's names (shared/docs/golden-format.md); also prints how they compare with the expected ones.
 *
 * <p>Convolutions run on the exact path here (im2col + GEMM, as the reference's oneDNN does on this kind of
 * CPU): the Winograd F(4x4,3x3) path that training uses by default is about 25 times less accurate per
 * convolution (still ~1e-5 of the output's scale, like cuDNN's Winograd in PyTorch on GPUs), and
 * ill-conditioned fixtures amplify that into misses. Set {@code -Dsparkj.conv.winograd=auto} in
 * SPARKJ_JAVA_OPTS to check the training path instead; the project's own golden tests run both.
 */
final class GoldenCommand {
    private GoldenCommand() {}

    static int run(String[] args) throws Exception {
        if (args.length != 2) throw new IllegalArgumentException("usage: sparkj golden CASE_DIR OUT.safetensors");
        if (System.getProperty("sparkj.conv.winograd") == null) System.setProperty("sparkj.conv.winograd", "false");
        GoldenCase c = GoldenCase.load(Path.of(args[0]));
        Map<String, Tensor> out;
        switch (c.kind()) {
            case "classify" -> out = ClassifyGolden.run(c);
            case "spark" -> out = SparkGolden.run(c);
            default -> throw new IllegalArgumentException(c.name() + ": unknown fixture kind '" + c.kind() + "'");
        }
        SafeTensors.write(Path.of(args[1]), out);
        GoldenCheck.Report r = GoldenCheck.compare(c.name(), c.io(), c.state(), out);
        System.out.println(r.summary());
        System.out.println("wrote " + out.size() + " tensors to " + args[1]);
        return 0;
    }
}
