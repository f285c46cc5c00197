using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Berth.EngineApi.Models;
using Berth.EngineApi.Serialization;

namespace Berth.EngineApi.Client;

/// <summary>
/// Typed Engine API client over a unix socket or TCP. The API version is negotiated like the
/// docker CLI does: GET /_ping, then min(server's API-Version, <see cref="MaxApiVersion"/>)
/// is used as the path prefix. Thread-safe; one instance per daemon.
/// </summary>
public sealed partial class EngineClient : IDisposable
{
    /// <summary>The newest API version this client speaks.</summary>
    public const string MaxApiVersion = "1.47";

    private readonly HttpClient _http;
    private readonly SemaphoreSlim _negotiate = new(1, 1);
    private string? _apiVersion;

    public EngineClient(DaemonEndpoint endpoint, string? apiVersion = null)
    {
        Endpoint = endpoint;
        _apiVersion = apiVersion;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = (_, ct) => ConnectStreamAsync(ct),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        _http = new HttpClient(handler)
        {
            BaseAddress = new Uri(endpoint.TcpHost is null ? "http://localhost/" : $"http://{endpoint.TcpHost}:{endpoint.TcpPort}/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Berth-Client", "1.0"));
    }

    public EngineClient(string host, string? apiVersion = null) : this(DaemonEndpoint.Parse(host), apiVersion)
    {
    }

    public DaemonEndpoint Endpoint { get; }

    /// <summary>The negotiated version (after the first request), e.g. "1.41".</summary>
    public string? ApiVersion => _apiVersion;

    public void Dispose()
    {
        _http.Dispose();
        _negotiate.Dispose();
    }

    /// <summary>Negotiates the API version if not done yet; returns it.</summary>
    public async Task<string> NegotiateAsync(CancellationToken cancellationToken = default)
    {
        if (_apiVersion is { } v)
        {
            return v;
        }
        await _negotiate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_apiVersion is null)
            {
                var ping = await PingAsync(cancellationToken).ConfigureAwait(false);
                _apiVersion = ping.ApiVersion is { } server && CompareVersions(server, MaxApiVersion) < 0 ? server : MaxApiVersion;
            }
            return _apiVersion;
        }
        finally
        {
            _negotiate.Release();
        }
    }

    /// <summary>Compares dotted versions numerically ("1.9" &lt; "1.41").</summary>
    public static int CompareVersions(string a, string b)
    {
        var pa = a.Split('.');
        var pb = b.Split('.');
        for (var i = 0; i < Math.Max(pa.Length, pb.Length); i++)
        {
            var x = i < pa.Length && int.TryParse(pa[i], out var xa) ? xa : 0;
            var y = i < pb.Length && int.TryParse(pb[i], out var yb) ? yb : 0;
            if (x != y)
            {
                return x.CompareTo(y);
            }
        }
        return 0;
    }

    private async ValueTask<Stream> ConnectStreamAsync(CancellationToken cancellationToken)
    {
        var socket = await ConnectSocketAsync(cancellationToken).ConfigureAwait(false);
        return new NetworkStream(socket, ownsSocket: true);
    }

    private async Task<Socket> ConnectSocketAsync(CancellationToken cancellationToken)
    {
        Socket socket;
        EndPoint ep;
        if (Endpoint.SocketPath is { } path)
        {
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            ep = new UnixDomainSocketEndPoint(path);
        }
        else
        {
            socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            ep = new DnsEndPoint(Endpoint.TcpHost!, Endpoint.TcpPort);
        }
        try
        {
            await socket.ConnectAsync(ep, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new DaemonUnreachableException(Endpoint, e);
        }
    }

    internal static string Query(params (string Key, string? Value)[] items)
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in items)
        {
            if (v is null)
            {
                continue;
            }
            sb.Append(sb.Length == 0 ? '?' : '&').Append(k).Append('=').Append(Uri.EscapeDataString(v));
        }
        return sb.ToString();
    }

    internal static string? Bool(bool value) => value ? "1" : null;

    internal static string Esc(string segment) => Uri.EscapeDataString(segment);

    /// <summary>Encodes docker filters (<c>{"key":{"value":true}}</c>); null when empty.</summary>
    public static string? EncodeFilters(IEnumerable<KeyValuePair<string, string>>? filters)
    {
        if (filters is null)
        {
            return null;
        }
        var map = new Dictionary<string, Dictionary<string, bool>>();
        foreach (var (k, v) in filters)
        {
            if (!map.TryGetValue(k, out var set))
            {
                map[k] = set = [];
            }
            set[v] = true;
        }
        return map.Count == 0 ? null : JsonSerializer.Serialize(map, EngineJson.Context.DictionaryStringDictionaryStringBoolean);
    }

    /// <summary>Sends a request under the negotiated version prefix; throws <see cref="EngineApiException"/> on error status.</summary>
    internal async Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, HttpContent? content,
        CancellationToken cancellationToken, bool headersOnly = false, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        var version = await NegotiateAsync(cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(method, $"/v{version}{pathAndQuery}") { Content = content };
        if (content is StreamContent)
        {
            // Let the daemon refuse (bad parameters, unknown image) before a large upload is sent.
            request.Headers.ExpectContinue = true;
        }
        if (headers is not null)
        {
            foreach (var (k, v) in headers)
            {
                request.Headers.TryAddWithoutValidation(k, v);
            }
        }
        var response = await SendRawAsync(request, cancellationToken, headersOnly).ConfigureAwait(false);
        if ((int)response.StatusCode >= 400)
        {
            using (response)
            {
                throw await ToExceptionAsync(response, cancellationToken).ConfigureAwait(false);
            }
        }
        return response;
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken cancellationToken, bool headersOnly)
    {
        try
        {
            return await _http.SendAsync(request,
                headersOnly ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead,
                cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (FindUnreachable(e) is { } u)
        {
            throw u;
        }
    }

    private static DaemonUnreachableException? FindUnreachable(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is DaemonUnreachableException u)
            {
                return u;
            }
        }
        return null;
    }

    internal static async Task<EngineApiException> ToExceptionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var message = body.Trim();
        try
        {
            if (JsonSerializer.Deserialize(body, EngineJson.Context.ErrorResponse) is { Message.Length: > 0 } err)
            {
                message = err.Message;
            }
        }
        catch (JsonException)
        {
        }
        if (message.Length == 0)
        {
            message = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        }
        return new EngineApiException((int)response.StatusCode, message);
    }

    internal async Task<T> GetJsonAsync<T>(string pathAndQuery, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, pathAndQuery, null, cancellationToken).ConfigureAwait(false);
        return await ReadJsonAsync(response, type, cancellationToken).ConfigureAwait(false);
    }

    internal async Task<byte[]> GetBytesAsync(string pathAndQuery, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, pathAndQuery, null, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return await JsonSerializer.DeserializeAsync(stream, type, cancellationToken).ConfigureAwait(false)
               ?? throw new EngineApiException(500, "empty response from daemon");
    }

    internal static HttpContent JsonContent<T>(T value, JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, type));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    internal async Task PostAsync(string pathAndQuery, CancellationToken cancellationToken, HttpContent? content = null)
    {
        using var response = await SendAsync(HttpMethod.Post, pathAndQuery, content, cancellationToken).ConfigureAwait(false);
    }

    internal static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
