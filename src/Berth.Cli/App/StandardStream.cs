using Berth.Core.Interop;

namespace Berth.Cli.App;

/// <summary>
/// fd 0, 1 or 2 as a plain, unbuffered stream over read(2)/write(2). Not Console's streams: on a
/// terminal their first write switches it to keypad-transmit mode (ESC[?1h ESC=), and their
/// reads line-edit and echo locally; the docker CLI does neither (a container's terminal echoes
/// for itself). Not FileStream either: it writes at its own offsets, so output redirected to a
/// file would overwrite instead of append. Like the console stream, a closed pipe (EPIPE, as in
/// `berth ps | head -1`) silently discards output.
/// </summary>
internal sealed class StandardStream : Stream
{
    private readonly int _fd;
    private readonly FileAccess _access;

    private StandardStream(int fd, FileAccess access)
    {
        _fd = fd;
        _access = access;
    }

    /// <summary>The stream of <paramref name="fd"/>, or an empty one when that fd is closed.</summary>
    public static Stream Open(int fd, FileAccess access) => Libc.IsOpen(fd) ? new StandardStream(fd, access) : Null;

    public override bool CanRead => _access == FileAccess.Read;
    public override bool CanWrite => _access == FileAccess.Write;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => Libc.ReadFd(_fd, buffer);

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        try
        {
            Libc.WriteAll(_fd, buffer);
        }
        catch (LinuxException e) when (e.Errno == Errno.EPIPE)
        {
            // The reader went away: drop the output, as the console stream does.
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Terminal and pipe writes complete at once or block briefly; no thread hop for them.
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() { }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
