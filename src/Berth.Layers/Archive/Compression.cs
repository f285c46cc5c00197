using System.IO.Compression;
using Berth.Core.Errors;

namespace Berth.Layers.Archive;

/// <summary>
/// Detects a tar's compression from its magic bytes (as docker's archive.DetectCompression does)
/// and opens a decompressing view, so callers accept plain, gzip and zstd tars alike.
/// </summary>
public static class Compression
{
    public const string None = "none";
    public const string Gzip = "gzip";
    public const string Zstd = "zstd";

    /// <summary>Reads the first bytes and returns the compression name and a stream that still yields them.</summary>
    /// <param name="leaveOpen">Whether disposing the returned stream leaves <paramref name="input"/> open (e.g. a request body).</param>
    public static async Task<(string Compression, Stream Stream)> DetectAsync(Stream input, CancellationToken cancellationToken, bool leaveOpen = false)
    {
        var head = new byte[6];
        var n = 0;
        while (n < head.Length)
        {
            var read = await input.ReadAsync(head.AsMemory(n), cancellationToken);
            if (read == 0) break;
            n += read;
        }
        var replay = new PrefixedStream(head.AsMemory(0, n), input, leaveOpen);
        var kind = Detect(head.AsSpan(0, n));
        return (kind, replay);
    }

    public static string Detect(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1f, 0x8b, 0x08])) return Gzip;
        if (head.StartsWith((ReadOnlySpan<byte>)[0x28, 0xb5, 0x2f, 0xfd])) return Zstd;
        if (head.StartsWith("BZh"u8))
            throw new InvalidParameterException("unsupported compression format bzip2");
        if (head.StartsWith((ReadOnlySpan<byte>)[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))
            throw new InvalidParameterException("unsupported compression format xz");
        return None;
    }

    /// <summary>A stream of the uncompressed bytes of <paramref name="input"/>, whatever its compression.</summary>
    public static async Task<(string Compression, Stream Stream)> OpenDecompressedAsync(Stream input, CancellationToken cancellationToken, bool leaveOpen = false)
    {
        var (kind, stream) = await DetectAsync(input, cancellationToken, leaveOpen);
        return (kind, Decompress(kind, stream));
    }

    public static Stream Decompress(string compression, Stream stream) => compression switch
    {
        Gzip => new GZipStream(stream, CompressionMode.Decompress, leaveOpen: false),
        Zstd => new ZstdSharp.DecompressionStream(stream, leaveOpen: false),
        _ => stream,
    };
}

/// <summary>Replays already-read bytes before the rest of a non-seekable stream.</summary>
internal sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner, bool leaveOpen) : Stream
{
    private ReadOnlyMemory<byte> _prefix = prefix;

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
        if (_prefix.IsEmpty) return inner.Read(buffer);
        var n = Math.Min(buffer.Length, _prefix.Length);
        _prefix.Span[..n].CopyTo(buffer);
        _prefix = _prefix[n..];
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_prefix.IsEmpty) return inner.ReadAsync(buffer, cancellationToken);
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !leaveOpen) inner.Dispose();
        base.Dispose(disposing);
    }
}
