using System.Net;
using System.Net.Http.Headers;
using Berth.Content;
using Berth.Core.Digests;
using Berth.Engine.Distribution.Pull;
using Berth.Engine.Distribution.Transport;
using Xunit;

namespace Berth.Engine.Tests.Distribution;

/// <summary>Blob downloads cut short: retried with dockerd's back-off, resumed by Range when the registry can.</summary>
public sealed class DownloadRetryTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "berth-retry-" + Guid.NewGuid().ToString("N"));
    private readonly byte[] _blob;
    private readonly Digest _digest;

    public DownloadRetryTests()
    {
        _blob = new byte[300_000];
        new Random(3).NextBytes(_blob);
        _digest = Digest.Compute(_blob);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    /// <summary>A body of the bytes from <paramref name="from"/> that, when <paramref name="broken"/>, fails like a reset connection at <paramref name="upTo"/>.</summary>
    private sealed class BrokenStream(byte[] bytes, int from, int upTo, bool broken) : Stream
    {
        private int _at = from;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _at; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_at >= upTo) return broken ? throw new IOException("Connection reset by peer") : 0;
            var n = Math.Min(count, upTo - _at);
            Array.Copy(bytes, _at, buffer, offset, n);
            _at += n;
            return n;
        }
    }

    /// <summary>
    /// The blob at /v2/r/blobs/DIGEST; the first <paramref name="failures"/> answers break after
    /// <paramref name="breakAfter"/> bytes (of what they serve); Range requests get 206 when <paramref name="ranges"/>.
    /// </summary>
    private FakeRegistryHandler Registry(int failures, bool ranges, int breakAfter = 100_000)
    {
        var served = 0;
        return new FakeRegistryHandler
        {
            Respond = seen =>
            {
                var from = 0;
                var status = HttpStatusCode.OK;
                if (ranges && seen.Headers.TryGetValue("Range", out var range))
                {
                    from = int.Parse(range["bytes=".Length..].TrimEnd('-'));
                    status = HttpStatusCode.PartialContent;
                }
                var broken = served++ < failures;
                var stream = new BrokenStream(_blob, from, broken ? Math.Min(_blob.Length, from + breakAfter) : _blob.Length, broken);
                var response = new HttpResponseMessage(status) { Content = new StreamContent(stream) };
                response.Content.Headers.ContentLength = _blob.Length - from;
                if (status == HttpStatusCode.PartialContent)
                    response.Content.Headers.ContentRange = new ContentRangeHeaderValue(from, _blob.Length - 1, _blob.Length);
                response.Headers.AcceptRanges.Add(ranges ? "bytes" : "none");
                return response;
            },
        };
    }

    private async Task<(List<FakeRegistryHandler.Seen> Requests, List<string> Statuses, Exception? Error)> DownloadAsync(FakeRegistryHandler handler)
    {
        var content = new ContentStore(_root);
        var downloads = new BlobDownloads(content) { Retry = new RetryPolicy(5, TimeSpan.FromMilliseconds(1)) };
        using var http = new HttpClient(handler);
        var repository = new RegistryRepository(RegistrySession.Over(http, new Uri("http://registry.test/"), "registry.test"), "r", push: false);
        var statuses = new List<string>();
        Exception? error = null;
        try
        {
            await downloads.FetchAsync(_digest, (offset, ct) => repository.GetBlobAsync(_digest, offset, ct), (_, _) => { }, default, s => { lock (statuses) statuses.Add(s); });
            Assert.Equal(_blob, await content.ReadAllAsync(_digest, default));
        }
        catch (Exception e)
        {
            error = e;
        }
        return (handler.Requests, statuses, error);
    }

    [Fact]
    public async Task ResumesWithARangeAfterAReset()
    {
        var (requests, statuses, error) = await DownloadAsync(Registry(failures: 2, ranges: true));
        Assert.Null(error);
        Assert.Equal([null, "bytes=100000-", "bytes=200000-"], requests.Select(r => r.Headers.GetValueOrDefault("Range")));
        // dockerd's countdown: 5 seconds after the first failure, 10 after the second.
        Assert.Equal(Enumerable.Range(1, 5).Reverse().Concat(Enumerable.Range(1, 10).Reverse()).Select(n => $"Retrying in {n} second{(n == 1 ? "" : "s")}"), statuses);
    }

    [Fact]
    public async Task StartsOverWhenTheRegistryCannotResume()
    {
        var (requests, statuses, error) = await DownloadAsync(Registry(failures: 1, ranges: false));
        Assert.Null(error);
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.False(r.Headers.ContainsKey("Range")));
        Assert.Equal("Retrying in 5 seconds", statuses[0]);
    }

    [Fact]
    public async Task GivesUpAfterFiveRetries()
    {
        var (requests, _, error) = await DownloadAsync(Registry(failures: 100, ranges: true, breakAfter: 40_000));
        Assert.IsType<IOException>(error);
        Assert.Equal(6, requests.Count);
        Assert.False(new ContentStore(_root).Exists(_digest));
    }

    [Fact]
    public async Task ADigestMismatchIsNotRetried()
    {
        // The registry serves other bytes than the digest names.
        var wrong = new FakeRegistryHandler
        {
            Respond = _ =>
            {
                var bytes = (byte[])_blob.Clone();
                bytes[0] ^= 1;
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(bytes) };
            },
        };
        var (requests, statuses, error) = await DownloadAsync(wrong);
        Assert.Contains("verification failed", error?.Message);
        Assert.Single(requests);
        Assert.Empty(statuses);
    }

    [Fact]
    public async Task AServerErrorIsRetried()
    {
        var calls = 0;
        var flaky = new FakeRegistryHandler
        {
            Respond = _ => calls++ == 0
                ? FakeRegistryHandler.Status(HttpStatusCode.ServiceUnavailable)
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(_blob) },
        };
        var (_, _, error) = await DownloadAsync(flaky);
        Assert.Null(error);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task AClientErrorIsNotRetried()
    {
        var missing = new FakeRegistryHandler { Respond = _ => FakeRegistryHandler.Status(HttpStatusCode.NotFound) };
        var (requests, _, notFound) = await DownloadAsync(missing);
        Assert.NotNull(notFound);
        Assert.Single(requests);
    }
}
