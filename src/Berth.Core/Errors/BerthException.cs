namespace Berth.Core.Errors;

/// <summary>
/// Errors that map onto the Engine API's status codes. Services throw these; the API
/// layer turns them into <c>{"message": "..."}</c> with docker's code. Anything else is a 500.
/// </summary>
public abstract class BerthException(string message, Exception? inner = null) : Exception(message, inner)
{
    public abstract int StatusCode { get; }
}

/// <summary>400: the request itself is wrong.</summary>
public sealed class InvalidParameterException(string message, Exception? inner = null) : BerthException(message, inner)
{
    public override int StatusCode => 400;
}

/// <summary>404: the named object does not exist.</summary>
public sealed class NotFoundException(string message) : BerthException(message)
{
    public override int StatusCode => 404;
}

/// <summary>409: the object's state forbids the operation (name in use, container running…).</summary>
public sealed class ConflictException(string message) : BerthException(message)
{
    public override int StatusCode => 409;
}

/// <summary>304: nothing to do (container already started / stopped).</summary>
public sealed class NotModifiedException(string message) : BerthException(message)
{
    public override int StatusCode => 304;
}

/// <summary>500 with a message meant for the user (runtime failures and the like).</summary>
public sealed class SystemException(string message, Exception? inner = null) : BerthException(message, inner)
{
    public override int StatusCode => 500;
}

/// <summary>401: credentials are missing or wrong (docker login against a registry that refuses them).</summary>
public sealed class UnauthorizedException(string message) : BerthException(message)
{
    public override int StatusCode => 401;
}

/// <summary>501: the daemon does not implement this for the object (e.g. logs of the "none" log driver).</summary>
public sealed class NotImplementedException(string message) : BerthException(message)
{
    public override int StatusCode => 501;
}
