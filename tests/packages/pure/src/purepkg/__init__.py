def hello() -> str:
    return "hello from purepkg"
