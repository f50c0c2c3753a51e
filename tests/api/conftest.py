VALID_REGISTRATION = {
    "real_name": "刘备",
    "id_number": "110101199003077774",
    "phone": "13900000009",
    "username": "liubei",
    "password": "桃园-结义-2024",
}
