using System.Net;

namespace Berth.Engine.Distribution.Pull;

/// <summary>
/// The body of one blob download that survives network failures, after dockerd's download
/// manager: a failed request or a body cut short (connection reset, truncated) is retried after
/// a back-off of 5 s, 10 s, … ("Retrying in N seconds"), at most <see cref="RetryPolicy.MaxRetries"/>
/// times. The retry resumes where the bytes stopped with a Range request when the registry
/// answers 206 for it; otherwise it throws <see cref="RestartException"/> so the caller starts a
/// fresh write (and digest check) from the first byte. The bytes the reader sees are always one
/// continuous blob, so the content store's verification covers all of it.
/// </summary>
internal sealed class ResumingBlobStream : Stream
{
    private readonly Func<long, CancellationToken, Task<HttpResponseMessage>> _get;
    private readonly RetryState _retries;
    private HttpResponseMessage _response;
    private Stream _body;
    private long _position;
    private bool _rangesRefused;

    private ResumingBlobStream(Func<long, CancellationToken, Task<HttpResponseMessage>> get, RetryState retries, HttpResponseMessage response, Stream body)
    {
        _get = get;
        _retries = retries;
        _response = response;
        _body = body;
        _rangesRefused = RefusesRanges(response);
    }

    /// <summary>Opens the blob from its first byte, with a response already in hand (after a restart) or a new GET.</summary>
    public static async Task<ResumingBlobStream> OpenAsync(Func<long, CancellationToken, Task<HttpResponseMessage>> get, RetryState retries,
        HttpResponseMessage? first, CancellationToken cancellationToken)
    {
        var response = first ?? await retries.RunAsync(ct => get(0, ct), cancellationToken);
        var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        return new ResumingBlobStream(get, retries, response, body);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            try
            {
                var n = await _body.ReadAsync(buffer, cancellationToken);
                _position += n;
                return n;
            }
            catch (Exception e) when (RetryState.IsTransient(e, cancellationToken))
            {
                await _retries.BackOffAsync(e, cancellationToken);
                await ReopenAsync(cancellationToken);
            }
        }
    }

    /// <summary>Continues at <see cref="_position"/> with a Range request; a registry that will not gives a restart.</summary>
    private async Task ReopenAsync(CancellationToken cancellationToken)
    {
        _body.Dispose();
        _response.Dispose();
        if (_position == 0 || _rangesRefused)
            throw new RestartException(null);
        var response = await _retries.RunAsync(ct => _get(_position, ct), cancellationToken);
        var range = response.Content.Headers.ContentRange;
        if (response.StatusCode == HttpStatusCode.PartialContent && range?.From == _position)
        {
            _response = response;
            _body = await response.Content.ReadAsStreamAsync(cancellationToken);
            return;
        }
        // The registry sent the whole blob (200) or a range we did not ask for: start over, with
        // that answer when it is the whole blob, so no request is wasted.
        if (response.StatusCode == HttpStatusCode.OK) throw new RestartException(response);
        response.Dispose();
        throw new RestartException(null);
    }

    private static bool RefusesRanges(HttpResponseMessage response) =>
        response.Headers.AcceptRanges.Contains("none", StringComparer.OrdinalIgnoreCase);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _body.Dispose();
            _response.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>The download must start again from the first byte; <see cref="Response"/> is a full-body answer to use, if any.</summary>
internal sealed class RestartException(HttpResponseMessage? response) : Exception("the registry did not resume the download")
{
    public HttpResponseMessage? Response => response;
}
