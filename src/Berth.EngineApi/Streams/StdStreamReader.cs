namespace Berth.EngineApi.Streams;

/// <summary>One demultiplexed frame. <see cref="Payload"/> is valid until the next read.</summary>
public readonly record struct StdFrame(StdStreamType Type, ReadOnlyMemory<byte> Payload);

/// <summary>Reads docker-framed streams (attach, logs, exec output without a TTY).</summary>
public sealed class StdStreamReader(Stream inner)
{
    private readonly byte[] _header = new byte[StdStreamFraming.HeaderSize];
    private byte[] _buffer = new byte[32 * 1024];

    /// <summary>The next frame, or null at a clean end of stream.</summary>
    /// <exception cref="InvalidDataException">Bad header or the stream ended inside a frame.</exception>
    public async ValueTask<StdFrame?> ReadFrameAsync(CancellationToken cancellationToken = default)
    {
        var got = await ReadFullAsync(_header, cancellationToken).ConfigureAwait(false);
        if (got == 0)
        {
            return null;
        }
        if (got < _header.Length)
        {
            throw new InvalidDataException("stream ended inside a frame header");
        }
        if (!StdStreamFraming.TryReadHeader(_header, out var type, out var size))
        {
            throw new InvalidDataException($"unrecognized stream type {_header[0]} in frame header");
        }
        if (size > _buffer.Length)
        {
            _buffer = new byte[size];
        }
        var payload = _buffer.AsMemory(0, size);
        if (await ReadFullAsync(payload, cancellationToken).ConfigureAwait(false) < size)
        {
            throw new InvalidDataException("stream ended inside a frame");
        }
        return new StdFrame(type, payload);
    }

    /// <summary>
    /// Demultiplexes to <paramref name="stdout"/> and <paramref name="stderr"/> until end of stream
    /// (docker's <c>stdcopy.StdCopy</c>). A SystemErr frame ends the copy with an <see cref="IOException"/>.
    /// </summary>
    public async Task<long> CopyToAsync(Stream stdout, Stream stderr, CancellationToken cancellationToken = default)
    {
        long total = 0;
        while (await ReadFrameAsync(cancellationToken).ConfigureAwait(false) is { } frame)
        {
            switch (frame.Type)
            {
                case StdStreamType.Stdout:
                case StdStreamType.Stdin:
                    await stdout.WriteAsync(frame.Payload, cancellationToken).ConfigureAwait(false);
                    await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case StdStreamType.Stderr:
                    await stderr.WriteAsync(frame.Payload, cancellationToken).ConfigureAwait(false);
                    await stderr.FlushAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case StdStreamType.SystemErr:
                    throw new IOException("error from daemon in stream: " + System.Text.Encoding.UTF8.GetString(frame.Payload.Span));
            }
            total += frame.Payload.Length;
        }
        return total;
    }

    private async ValueTask<int> ReadFullAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await inner.ReadAsync(buffer[read..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            read += n;
        }
        return read;
    }
}
