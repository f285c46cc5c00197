using System.Net.Http.Headers;
using Berth.Core.Digests;
using Berth.Core.Distribution;
using Berth.Core.Errors;
using Berth.Core.Oci;
using Berth.Engine.Distribution.Manifests;

namespace Berth.Engine.Distribution.Transport;

/// <summary>A manifest as the registry served it: exact bytes, their digest and media type.</summary>
public sealed record FetchedManifest(Digest Digest, string MediaType, byte[] Bytes);

/// <summary>
/// The OCI distribution API for one repository over a <see cref="RegistrySession"/>: manifests
/// by tag or digest, tags, blobs (GET, HEAD), uploads (RegistryRepository.Uploads.cs),
/// cross-repository mounts, and manifest PUT.
/// </summary>
public sealed partial class RegistryRepository(RegistrySession session, string path, bool push)
{
    private readonly IReadOnlyList<string> _scopes = [RegistrySession.RepositoryScope(path, push)];

    public string Path => path;
    public RegistrySession Session => session;

    /// <summary>GET /v2/NAME/manifests/REF; the digest is computed from the bytes and checked when REF is one.</summary>
    public async Task<FetchedManifest> GetManifestAsync(string reference, CancellationToken cancellationToken)
    {
        using var response = await session.SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, session.Url($"v2/{path}/manifests/{reference}"));
            foreach (var type in MediaTypes.AcceptedManifests) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            return request;
        }, _scopes, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw await RegistryException.FromResponseAsync(response, $"manifest {reference}", cancellationToken);
        // Manifests are small; a hostile registry must not make us buffer gigabytes.
        if (response.Content.Headers.ContentLength > 4 << 20)
            throw new SystemFailureException($"manifest {reference} is too large ({response.Content.Headers.ContentLength} bytes)");
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var digest = Digest.Compute(bytes);
        if (Digest.TryParse(reference, out var expected) && expected != digest)
            throw new SystemFailureException($"manifest verification failed for digest {expected}");
        var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
        return new FetchedManifest(digest, mediaType, bytes);
    }

    /// <summary>
    /// GET /v2/NAME/tags/list, following the Link header's rel="next" pages (distribution's
    /// Tags().All, which docker pull -a uses): every tag, in the registry's order.
    /// </summary>
    public async Task<IReadOnlyList<string>> ListTagsAsync(CancellationToken cancellationToken)
    {
        var tags = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Uri? next = session.Url($"v2/{path}/tags/list");
        while (next is not null)
        {
            // A registry whose Link points back at a page already read must not loop forever.
            if (!seen.Add(next.ToString())) break;
            var page = next;
            using var response = await session.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, page), _scopes, cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw await RegistryException.FromResponseAsync(response, "tags", cancellationToken);
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            TagList? list;
            try
            {
                list = System.Text.Json.JsonSerializer.Deserialize(bytes, OciJsonContext.Default.TagList);
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new SystemFailureException($"invalid tag list from {page}: {e.Message}");
            }
            if (list?.Tags is { } pageTags) tags.AddRange(pageTags);
            next = NextPage(response);
        }
        return tags;
    }

    /// <summary>The target of a Link header's rel="next" entry (&lt;/v2/…?n=…&amp;last=…&gt;; rel="next"), or null.</summary>
    internal Uri? NextPage(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var values)) return null;
        foreach (var value in values)
            foreach (var entry in value.Split(','))
            {
                var open = entry.IndexOf('<');
                var close = entry.IndexOf('>');
                if (open < 0 || close < open) continue;
                var parameters = entry[(close + 1)..];
                if (!parameters.Replace(" ", "").Contains("rel=\"next\"", StringComparison.OrdinalIgnoreCase)
                    && !parameters.Replace(" ", "").Contains("rel=next", StringComparison.OrdinalIgnoreCase)) continue;
                // "/v2/…" must be read as relative: on Unix RelativeOrAbsolute would make it a file:// URI.
                var text = entry[(open + 1)..close].Trim();
                var kind = text.StartsWith('/') ? UriKind.Relative : UriKind.Absolute;
                if (Uri.TryCreate(text, kind, out var target)) return Resolve(target);
            }
        return null;
    }

    /// <summary>
    /// GET /v2/NAME/blobs/DIGEST, from <paramref name="offset"/> with a Range request when it is
    /// not 0 (the answer says whether the registry honoured it: 206 or 200); the caller reads (and verifies) the body.
    /// </summary>
    public async Task<HttpResponseMessage> GetBlobAsync(Digest digest, long offset, CancellationToken cancellationToken)
    {
        var response = await session.SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, session.Url($"v2/{path}/blobs/{digest}"));
            if (offset > 0) request.Headers.Range = new RangeHeaderValue(offset, null);
            return request;
        }, _scopes, cancellationToken);
        if (response.IsSuccessStatusCode) return response;
        using (response)
            throw await RegistryException.FromResponseAsync(response, $"blob {digest}", cancellationToken);
    }

    /// <summary>HEAD /v2/NAME/blobs/DIGEST: whether the repository already has it.</summary>
    public async Task<bool> HasBlobAsync(Digest digest, CancellationToken cancellationToken)
    {
        using var response = await session.SendAsync(() => new HttpRequestMessage(HttpMethod.Head, session.Url($"v2/{path}/blobs/{digest}")), _scopes, cancellationToken);
        if (response.IsSuccessStatusCode) return true;
        if ((int)response.StatusCode == 404) return false;
        throw await RegistryException.FromResponseAsync(response, $"blob {digest}", cancellationToken);
    }

    /// <summary>
    /// POST /v2/NAME/blobs/uploads/?mount=DIGEST&amp;from=SOURCE: true when the registry mounted it (201);
    /// false when it started a normal upload instead (202), which is then abandoned.
    /// </summary>
    public async Task<bool> TryMountAsync(Digest digest, string sourcePath, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> scopes = [.. _scopes, RegistrySession.RepositoryScope(sourcePath, push: false)];
        using var response = await session.SendAsync(() => new HttpRequestMessage(HttpMethod.Post,
            session.Url($"v2/{path}/blobs/uploads/?mount={digest}&from={Uri.EscapeDataString(sourcePath)}")), scopes, cancellationToken);
        if ((int)response.StatusCode == 201) return true;
        if ((int)response.StatusCode == 202 && response.Headers.Location is { } location)
        {
            // Cancel the upload the registry opened in place of the mount; failing to is harmless.
            using var cancel = await session.SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, Resolve(location)), _scopes, cancellationToken);
        }
        return false;
    }

    /// <summary>PUT /v2/NAME/manifests/TAG with the exact bytes (their digest is what the registry records).</summary>
    public async Task PutManifestAsync(string tag, string mediaType, byte[] bytes, CancellationToken cancellationToken)
    {
        using var response = await session.SendAsync(() =>
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return new HttpRequestMessage(HttpMethod.Put, session.Url($"v2/{path}/manifests/{tag}")) { Content = content };
        }, _scopes, cancellationToken);
        if ((int)response.StatusCode is not (201 or 200))
            throw await RegistryException.FromResponseAsync(response, $"manifest {tag}", cancellationToken);
    }

    private Uri Resolve(Uri location) => location.IsAbsoluteUri ? location : new Uri(session.BaseUri, location);
}

/// <summary>A read-through stream that reports the running byte count, and the end, for progress lines.</summary>
public sealed class ProgressStream(Stream inner, Action<long, bool> progress) : Stream
{
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Count(await inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken));

    private int Count(int n)
    {
        _position += n;
        progress(_position, n == 0); // n == 0: the end of the stream
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
