# unit tests of every module, under ASan+UBSan
exec build/asan/unit
