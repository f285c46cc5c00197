namespace Berth.EngineApi.Streams;

/// <summary>
/// Writes docker-framed output to one underlying stream. Safe for concurrent use (stdout and
/// stderr pumps may write at the same time): each frame is written whole under a lock.
/// </summary>
public sealed class StdStreamWriter(Stream inner, bool leaveOpen = false) : IAsyncDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>Writes one frame; an empty payload writes nothing (docker never sends empty frames).</summary>
    public async ValueTask WriteAsync(StdStreamType type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (payload.IsEmpty)
        {
            return;
        }
        var header = new byte[StdStreamFraming.HeaderSize];
        StdStreamFraming.WriteHeader(header, type, payload.Length);
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await inner.WriteAsync(header, cancellationToken).ConfigureAwait(false);
            await inner.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
            await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>A write-only stream whose every write becomes one frame of <paramref name="type"/>.</summary>
    public Stream GetStream(StdStreamType type) => new FramingStream(this, type);

    /// <summary>Copies <paramref name="source"/> to frames of <paramref name="type"/> until end of stream.</summary>
    public async Task CopyFromAsync(Stream source, StdStreamType type, CancellationToken cancellationToken = default)
    {
        var buffer = new byte[32 * 1024];
        int n;
        while ((n = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await WriteAsync(type, buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!leaveOpen)
        {
            await inner.DisposeAsync().ConfigureAwait(false);
        }
        _lock.Dispose();
    }

    private sealed class FramingStream(StdStreamWriter writer, StdStreamType type) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) =>
            writer.WriteAsync(type, buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            writer.WriteAsync(type, buffer, cancellationToken);
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            writer.WriteAsync(type, buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
