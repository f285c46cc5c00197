using System.IO.Compression;
using Berth.Core.Errors;

namespace Berth.Layers.Archive;

/// <summary>Detects an archive's compression from its magic bytes and wraps it in the matching decompressor.</summary>
internal static class Decompression
{
    private static ReadOnlySpan<byte> GzipMagic => [0x1F, 0x8B];
    private static ReadOnlySpan<byte> ZstdMagic => [0x28, 0xB5, 0x2F, 0xFD];
    private static ReadOnlySpan<byte> XzMagic => [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00];

    /// <summary>
    /// Returns a stream of the uncompressed tar. The source may be non-seekable (a network
    /// stream), so the peeked magic bytes are replayed in front of the rest.
    /// </summary>
    public static async Task<Stream> OpenAsync(Stream source, CancellationToken cancellationToken)
    {
        var head = new byte[6];
        var n = 0;
        while (n < head.Length)
        {
            var read = await source.ReadAsync(head.AsMemory(n), cancellationToken);
            if (read == 0) break;
            n += read;
        }
        var peeked = head.AsSpan(0, n);
        Stream replayed = new PrefixedStream(head, n, source);
        if (peeked.StartsWith(GzipMagic))
            return new GZipStream(replayed, CompressionMode.Decompress, leaveOpen: false);
        if (peeked.StartsWith(ZstdMagic))
            return new ZstdSharp.DecompressionStream(replayed, leaveOpen: false);
        if (peeked.StartsWith(XzMagic))
            throw new InvalidParameterException("xz-compressed layers are not supported");
        return replayed;
    }

    /// <summary>Read-only stream: a few already-read bytes, then the rest of the source.</summary>
    private sealed class PrefixedStream(byte[] prefix, int prefixLength, Stream inner) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_position < prefixLength) return TakePrefix(buffer);
            return inner.Read(buffer);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position < prefixLength) return ValueTask.FromResult(TakePrefix(buffer.Span));
            return inner.ReadAsync(buffer, cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int TakePrefix(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, prefixLength - _position);
            prefix.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            // The caller owns the source stream.
            base.Dispose(disposing);
        }
    }
}
