package dev.sparkj.spark.ckpt;

import dev.sparkj.spark.model.SparK;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.io.PthWriter;
import dev.sparkj.tensor.io.SafeTensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The timm-style export of a pre-trained encoder, ready for fine-tuning: the plain CNN's state with
 * its own key names ({@code conv1.weight}, {@code layer1.0.bn1.running_mean}, ... for ResNet;
 * {@code downsample_layers.0.0.weight}, {@code stages.2.5.gamma}, ... for ConvNeXt), i.e. the SparK
 * keys under {@value #PREFIX} with that prefix removed. Written as {@code encoder.safetensors} and as
 * {@code encoder.pth} (a plain state dict {@code torch.load} / timm read directly).
 */
public final class EncoderExport {
    private EncoderExport() {}

    /** Where the CNN sits inside the SparK state. */
    public static final String PREFIX = "sparse_encoder.sp_cnn.";
    public static final String SAFETENSORS = "encoder.safetensors", PTH = "encoder.pth";

    /** The encoder's keys and tensors from a full SparK state (keys outside the encoder are dropped). */
    public static Map<String, Tensor> encoderState(Map<String, Tensor> sparkState) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : sparkState.entrySet())
            if (e.getKey().startsWith(PREFIX)) out.put(e.getKey().substring(PREFIX.length()), e.getValue());
        return out;
    }

    /** Writes {@code dir/encoder.safetensors} and {@code dir/encoder.pth} atomically; {@code metadata} goes into the safetensors header. */
    public static void write(Path dir, SparK model, Map<String, String> metadata) throws IOException {
        Map<String, Tensor> state = encoderState(model.stateDict());
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("format", "sparkj-timm-encoder");
        SafeTensors.write(dir.resolve(SAFETENSORS), state, meta);
        PthWriter.write(dir.resolve(PTH), state);
    }
}
