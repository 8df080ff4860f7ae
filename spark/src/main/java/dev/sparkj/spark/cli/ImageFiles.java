package dev.sparkj.spark.cli;

import dev.sparkj.spark.data.FloatImage;
import dev.sparkj.spark.data.ImageDataset;
import dev.sparkj.spark.data.ImageDecodeException;
import dev.sparkj.spark.data.ImageDecoder;

import java.nio.file.Path;
import java.util.List;

/** A dataset of image files named one by one on the command line, in the order given. */
record ImageFiles(List<Path> files) implements ImageDataset {
    ImageFiles {
        files = List.copyOf(files);
    }

    @Override public int size() { return files.size(); }

    @Override public FloatImage load(int index) throws ImageDecodeException { return ImageDecoder.decode(files.get(index)); }

    @Override public String describe(int index) { return files.get(index).toString(); }
}
