using System.Net.Http.Headers;
using Berth.Core.Digests;

namespace Berth.Engine.Distribution.Transport;

/// <summary>
/// Blob uploads. Layers go the way dockerd sends them: POST opens an upload, PATCH requests
/// stream the bytes, and PUT ?digest= with no body closes it, each request going to the
/// Location the previous answer gave (registries encode their upload state there). Small
/// blobs (the config) may use the monolithic POST + PUT.
/// </summary>
public sealed partial class RegistryRepository
{
    /// <summary>The registry's smallest accepted chunk (OCI distribution spec), from the POST's answer.</summary>
    public const string ChunkMinLengthHeader = "OCI-Chunk-Min-Length";

    /// <summary>POST to start an upload, then one PUT with the whole blob (monolithic upload).</summary>
    public async Task UploadAsync(Digest digest, long size, Func<Stream> open, Action<long, bool> progress, CancellationToken cancellationToken)
    {
        var (location, _) = await StartUploadAsync(digest, cancellationToken);
        using var response = await session.SendAsync(() =>
        {
            var content = new StreamContent(new ProgressStream(open(), progress), 1 << 20);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Headers.ContentLength = size;
            return new HttpRequestMessage(HttpMethod.Put, WithDigest(location, digest)) { Content = content };
        }, _scopes, cancellationToken);
        if ((int)response.StatusCode != 201)
            throw await RegistryException.FromResponseAsync(response, $"uploading {digest}", cancellationToken);
    }

    /// <summary>
    /// POST, PATCH…, PUT ?digest=. With <paramref name="chunkSize"/> 0 the whole blob streams in one
    /// PATCH, as dockerd does; otherwise in pieces of that size, raised to the registry's
    /// OCI-Chunk-Min-Length when it asks for more (only the last piece may be shorter).
    /// <paramref name="open"/> is called once per request, so a piece can be sent again after a 401.
    /// </summary>
    public async Task UploadChunkedAsync(Digest digest, long size, Func<Stream> open, Action<long, bool> progress, long chunkSize, CancellationToken cancellationToken)
    {
        var (location, minimum) = await StartUploadAsync(digest, cancellationToken);
        var piece = chunkSize <= 0 ? size : Math.Max(chunkSize, minimum);
        for (long offset = 0; offset < size; offset += piece)
        {
            var start = offset;
            var length = Math.Min(piece, size - offset);
            var target = location;
            using var response = await session.SendAsync(() =>
            {
                var slice = new SliceStream(open(), start, length);
                var content = new StreamContent(new ProgressStream(slice, (n, end) => progress(start + n, end && start + length == size)), 1 << 20);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                content.Headers.ContentLength = length;
                // Content-Range makes it a spec chunk; distribution checks it against what it holds.
                content.Headers.TryAddWithoutValidation("Content-Range", $"{start}-{start + length - 1}");
                return new HttpRequestMessage(HttpMethod.Patch, target) { Content = content };
            }, _scopes, cancellationToken);
            if ((int)response.StatusCode != 202)
                throw await RegistryException.FromResponseAsync(response, $"uploading {digest}", cancellationToken);
            location = response.Headers.Location is { } next ? Resolve(next) : location;
        }
        using var done = await session.SendAsync(() => new HttpRequestMessage(HttpMethod.Put, WithDigest(location, digest))
        {
            Content = new ByteArrayContent([]) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } },
        }, _scopes, cancellationToken);
        if ((int)done.StatusCode != 201)
            throw await RegistryException.FromResponseAsync(done, $"uploading {digest}", cancellationToken);
    }

    /// <summary>POST /v2/NAME/blobs/uploads/: the upload's Location and the registry's minimum chunk length (0 when it names none).</summary>
    private async Task<(Uri Location, long MinimumChunk)> StartUploadAsync(Digest digest, CancellationToken cancellationToken)
    {
        using var start = await session.SendAsync(() => new HttpRequestMessage(HttpMethod.Post, session.Url($"v2/{path}/blobs/uploads/")), _scopes, cancellationToken);
        if ((int)start.StatusCode != 202 || start.Headers.Location is null)
            throw await RegistryException.FromResponseAsync(start, $"starting upload of {digest}", cancellationToken);
        long minimum = 0;
        if (start.Headers.TryGetValues(ChunkMinLengthHeader, out var values) && long.TryParse(values.FirstOrDefault(), out var parsed) && parsed > 0)
            minimum = parsed;
        return (Resolve(start.Headers.Location), minimum);
    }

    private static Uri WithDigest(Uri location, Digest digest)
    {
        var separator = location.Query.Length > 0 ? "&" : "?";
        return new Uri(location + separator + "digest=" + Uri.EscapeDataString(digest.ToString()));
    }
}

/// <summary>
/// <paramref name="length"/> bytes of <paramref name="inner"/> from <paramref name="offset"/> (seeking
/// when it can, else reading past): one chunk of an upload. Disposes the inner stream.
/// </summary>
internal sealed class SliceStream(Stream inner, long offset, long length) : Stream
{
    private long _read;
    private bool _positioned;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long o, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int o, int count) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int o, int count) => ReadAsync(buffer.AsMemory(o, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int o, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(o, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_positioned)
        {
            await SkipToAsync(cancellationToken);
            _positioned = true;
        }
        if (_read >= length) return 0;
        var n = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, length - _read)], cancellationToken);
        if (n == 0) throw new EndOfStreamException($"blob ended at {offset + _read}, before the chunk's end at {offset + length}");
        _read += n;
        return n;
    }

    private async Task SkipToAsync(CancellationToken cancellationToken)
    {
        if (offset == 0) return;
        if (inner.CanSeek)
        {
            inner.Seek(offset, SeekOrigin.Begin);
            return;
        }
        var buffer = new byte[81920];
        for (var left = offset; left > 0;)
        {
            var n = await inner.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken);
            if (n == 0) throw new EndOfStreamException($"blob ended before offset {offset}");
            left -= n;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
