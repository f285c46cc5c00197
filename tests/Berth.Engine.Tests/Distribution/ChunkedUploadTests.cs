using System.Net;
using Berth.Core.Digests;
using Berth.Engine.Distribution.Transport;
using Xunit;

namespace Berth.Engine.Tests.Distribution;

/// <summary>Layer uploads: POST → PATCH (streamed, following each Location) → PUT ?digest=, as dockerd sends them.</summary>
public sealed class ChunkedUploadTests
{
    /// <summary>A registry that keeps the upload's state in its Location, as distribution does, and can ask for a minimum chunk.</summary>
    private static FakeRegistryHandler Registry(List<byte> received, long? minimumChunk = null) => new()
    {
        Respond = seen =>
        {
            HttpResponseMessage response;
            switch (seen.Method)
            {
                case "POST":
                    response = FakeRegistryHandler.Status(HttpStatusCode.Accepted);
                    response.Headers.Location = new Uri("/v2/r/blobs/uploads/u1?_state=0", UriKind.Relative);
                    if (minimumChunk is { } min) response.Headers.TryAddWithoutValidation("OCI-Chunk-Min-Length", min.ToString());
                    return response;
                case "PATCH":
                    Assert.Equal($"/v2/r/blobs/uploads/u1?_state={received.Count}", seen.PathAndQuery);
                    Assert.Equal($"{received.Count}-{received.Count + seen.Body.Length - 1}", seen.Headers["Content-Range"]);
                    received.AddRange(seen.Body);
                    response = FakeRegistryHandler.Status(HttpStatusCode.Accepted);
                    response.Headers.Location = new Uri($"/v2/r/blobs/uploads/u1?_state={received.Count}", UriKind.Relative);
                    return response;
                case "PUT":
                    Assert.Empty(seen.Body);
                    return FakeRegistryHandler.Status(HttpStatusCode.Created);
                default:
                    throw new InvalidOperationException(seen.Method);
            }
        },
    };

    private static async Task<(List<FakeRegistryHandler.Seen> Requests, List<byte> Received, List<long> Progress)> UploadAsync(byte[] blob, long chunkSize, long? minimumChunk)
    {
        var received = new List<byte>();
        var handler = Registry(received, minimumChunk);
        using var http = new HttpClient(handler);
        var repository = new RegistryRepository(RegistrySession.Over(http, new Uri("http://registry.test/"), "registry.test"), "r", push: true);
        var progress = new List<long>();
        await repository.UploadChunkedAsync(Digest.Compute(blob), blob.Length, () => new MemoryStream(blob), (n, _) => progress.Add(n), chunkSize, default);
        return (handler.Requests, received, progress);
    }

    [Fact]
    public async Task WholeBlobStreamsInOnePatch()
    {
        var blob = new byte[100_000];
        new Random(1).NextBytes(blob);
        var (requests, received, progress) = await UploadAsync(blob, chunkSize: 0, minimumChunk: null);
        Assert.Equal(["POST", "PATCH", "PUT"], requests.Select(r => r.Method));
        Assert.Equal(blob, received);
        Assert.Equal($"/v2/r/blobs/uploads/u1?_state={blob.Length}&digest={Uri.EscapeDataString(Digest.Compute(blob).ToString())}", requests[2].PathAndQuery);
        Assert.Equal(blob.Length, progress.Max());
    }

    [Fact]
    public async Task ChunksAreRaisedToTheRegistrysMinimum()
    {
        var blob = new byte[10_000];
        new Random(2).NextBytes(blob);
        var (requests, received, progress) = await UploadAsync(blob, chunkSize: 1000, minimumChunk: 4000);
        Assert.Equal(["POST", "PATCH", "PATCH", "PATCH", "PUT"], requests.Select(r => r.Method));
        Assert.Equal([4000, 4000, 2000], requests.Where(r => r.Method == "PATCH").Select(r => r.Body.Length));
        Assert.Equal(blob, received);
        Assert.Equal(blob.Length, progress[^1]);
    }

    [Fact]
    public async Task ChunksOfTheAskedSizeWithoutAMinimum()
    {
        var blob = new byte[2500];
        var (requests, received, _) = await UploadAsync(blob, chunkSize: 1000, minimumChunk: null);
        Assert.Equal([1000, 1000, 500], requests.Where(r => r.Method == "PATCH").Select(r => r.Body.Length));
        Assert.Equal(blob, received);
    }

    [Fact]
    public async Task AnEmptyBlobIsJustClosed()
    {
        var (requests, _, _) = await UploadAsync([], chunkSize: 0, minimumChunk: null);
        Assert.Equal(["POST", "PUT"], requests.Select(r => r.Method));
    }
}
