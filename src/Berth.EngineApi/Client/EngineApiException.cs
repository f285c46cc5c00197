namespace Berth.EngineApi.Client;

/// <summary>The daemon answered with an error status; <see cref="Exception.Message"/> is its <c>message</c>.</summary>
public sealed class EngineApiException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
    public bool IsNotFound => StatusCode == 404;
    public bool IsConflict => StatusCode == 409;
}

/// <summary>The daemon could not be reached at all.</summary>
public sealed class DaemonUnreachableException(DaemonEndpoint endpoint, Exception inner)
    : Exception($"Cannot connect to the Berth daemon at {endpoint.Original}. Is the berth daemon running?", inner)
{
    public DaemonEndpoint Endpoint { get; } = endpoint;
}
