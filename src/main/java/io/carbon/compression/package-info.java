/**
 * Content coding of responses (RFC 9110 §8.4): negotiation of {@code Accept-Encoding} ({@link
 * io.carbon.compression.AcceptEncoding}), which media types are worth compressing ({@link
 * io.carbon.compression.CompressibleTypes}), one-shot Brotli, zstd and gzip compressors ({@link
 * io.carbon.compression.Compressors}) and streaming gzip for bodies too large to compress in one piece ({@link
 * io.carbon.compression.GzipStream}).
 *
 * <p>Nothing here touches the event loop or the file system: the file cache decides what to compress and
 * runs the compressors on the blocking pool.
 */
package io.carbon.compression;
